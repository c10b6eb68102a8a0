export { DockerRuntime, type DockerRuntimeOptions } from "./docker-runtime.ts";
export { LABEL } from "./labels.ts";
export { demuxDockerLogs } from "./containers.ts";
export { dockerAnswers, localImageOverrides, presentImages } from "./detect.ts";
