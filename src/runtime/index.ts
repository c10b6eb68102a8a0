export * from "./types.ts";
export * from "./errors.ts";
export * from "./images.ts";
export * from "./engine-config.ts";
export * from "./ports.ts";
export * from "./readiness.ts";
export type { RuntimeLogger } from "./logger.ts";
export { ProcessRuntime, type ProcessRuntimeOptions } from "./process/index.ts";
export { DockerRuntime, type DockerRuntimeOptions } from "./docker/index.ts";
