export { SwarmRuntime, type SwarmRuntimeOptions } from "./swarm-runtime.ts";
export { ZONE_LABEL } from "./placement.ts";
export { swarmRole } from "./detect.ts";
