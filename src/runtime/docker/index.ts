export { DockerRuntime, type DockerRuntimeOptions, LABEL, demuxDockerLogs } from "./docker-runtime.ts";
