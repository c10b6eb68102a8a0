/**
 * Pure: which replica replaces a failed primary. AWS promotes the replica with the least
 * replication lag: here the one that has received the most of the replication stream (highest
 * offset), ties broken by the lowest member id, so the choice is deterministic.
 */
export interface Candidate {
  clusterId: string;
  /** slave_repl_offset, or undefined when the replica did not answer. */
  offset: number | undefined;
}

export function electReplica(candidates: Candidate[]): string | undefined {
  let best: Candidate | undefined;
  for (const candidate of candidates) {
    if (candidate.offset === undefined) continue;
    if (
      best === undefined ||
      candidate.offset > best.offset! ||
      (candidate.offset === best.offset && candidate.clusterId < best.clusterId)
    ) {
      best = candidate;
    }
  }
  return best?.clusterId;
}
