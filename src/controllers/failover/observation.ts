/**
 * What the failover decision looks at, as plain data: each member of a node group with its
 * recorded role and node status, whether the runtime runs it, and what it answered to INFO
 * replication (nothing when it did not answer or was not asked).
 */
import type { Desired, FailoverRecord, Role } from "../../domain/model.ts";

export interface ReplicationView {
  role: "master" | "slave";
  /** slave_repl_offset of a replica (0 for a master): how much of the stream it has. */
  offset: number;
}

export interface MemberView {
  id: string;
  role?: Role;
  /** The member itself is being deleted. */
  deleting: boolean;
  node?: {
    status: string;
    desired: Desired;
    /** The runtime runs it (as observed for this decision). */
    running: boolean;
    /** Admin and peer addresses are recorded (it ran at least once). */
    addressed: boolean;
  };
  replication?: ReplicationView;
}

export interface NodeGroupObservation {
  automaticFailover: boolean;
  /** The durable record of a failover in progress. */
  record?: FailoverRecord;
  members: MemberView[];
}
