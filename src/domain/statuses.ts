/** Statuses of resources and nodes, as AWS reports them. */

/** Statuses in which a resource waits for the reconciler (AWS's in-between states). */
export const TRANSITIONAL_STATUSES: ReadonlySet<string> = new Set(["creating", "modifying", "deleting", "rebooting cluster nodes", "snapshotting"]);

/** CacheNodeStatus values this emulator uses. */
export type NodeStatus = "creating" | "available" | "rebooting" | "deleting" | "failed";
