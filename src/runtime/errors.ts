/**
 * Errors raised by the runtime layer (both implementations). `code` is stable, for callers that
 * act on a kind of failure; `message` is for humans (it ends up in a resource's events) and says
 * what to do next when it can. Nothing here knows AWS: what a failure means for an ElastiCache
 * resource is the caller's business.
 */
export type RuntimeErrorCode =
  /** The engine image is not present locally and could not be pulled. */
  | "ImageUnavailable"
  /** The Docker engine does not answer. */
  | "DockerUnavailable"
  /** The node did not accept connections within the readiness timeout (it was stopped/removed). */
  | "StartTimeout"
  /** The node's process/container exited during start. */
  | "StartFailed"
  /** restart() of a node the runtime does not know. */
  | "NodeNotFound"
  /** The spec is unusable (bad name, reserved setting, ...). */
  | "InvalidSpec"
  /** A container/directory of that name exists but is not ours. */
  | "Conflict"
  /** No free port in the requested range. */
  | "NoFreePort"
  /** The orchestrator has no node the node may run on (Swarm: no swarm node labelled with its zone). */
  | "NoPlacement"
  /** exportDataFile(): the node has no data file (no BGSAVE ran, or it has not finished). */
  | "NoDataFile";

export class RuntimeError extends Error {
  constructor(
    readonly code: RuntimeErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "RuntimeError";
  }
}
