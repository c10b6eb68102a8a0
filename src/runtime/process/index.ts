export { ProcessRuntime, type ProcessRuntimeOptions, isAlive, isNodeProcess, stopPid } from "./process-runtime.ts";
