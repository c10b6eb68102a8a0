/**
 * Pure: what to do about a node group's primary, from an observation and the durable failover
 * record. No I/O, so every case is a row in a table test (test/unit/failover-decide.test.ts).
 *   steady            nothing to fail over; `demote` lists replicas that claim to be primaries
 *                     (an old primary come back) and must follow the primary again
 *   elect             record `to` as the replica replacing `from` (a failure, or TestFailover)
 *   promote           make `to` the primary (the record says the election happened)
 *   recover           bring `from` back as a replica of `to` (the record says `to` was promoted)
 *   abandon           stop this failover: a member vanished, nobody can take over a TestFailover,
 *                     or the elected / promoted replica died too (`failed` lists who is dead);
 *                     the next decision starts again from there
 *   restart-in-place  the primary is down and no failover will happen (disabled, or no replica
 *                     can take over): it is restarted where it is
 *   wait              the primary is down and no replica answered, but one runs and has not failed:
 *                     look again rather than restart the primary empty under it (the caller
 *                     bounds the wait, then restarts in place)
 */
import type { FailoverRecord } from "../../domain/model.ts";
import { electReplica } from "./elect.ts";
import type { MemberView, NodeGroupObservation } from "./observation.ts";

export type AbandonReason = "member-gone" | "no-candidate" | "elected-died" | "promoted-died";

export type FailoverDecision =
  | { action: "steady"; demote: string[] }
  | { action: "elect"; from: string; to: string; test: boolean; expected: "decide" | undefined }
  | { action: "promote"; from: string; to: string; test: boolean }
  | { action: "recover"; from: string; to: string }
  | { action: "abandon"; phase: FailoverRecord["phase"]; reason: AbandonReason; failed: string[]; settle: boolean }
  | { action: "restart-in-place"; primary: string; reason: "disabled" | "no-candidate" }
  | { action: "wait"; primary: string };

/** Present, recorded available and answering: a node the decision can count on. */
const answers = (member: MemberView) =>
  member.node?.desired === "present" && member.node.status === "available" && member.replication !== undefined;

/** The primary ran and is now dead, or failing its health checks. */
function isDown(member: MemberView): boolean {
  const node = member.node;
  if (!node || node.desired !== "present") return false;
  return node.status === "failed" || (node.status === "available" && !node.running);
}

/** A replica that runs, recorded available, which did not answer this time. */
const mayAnswerSoon = (member: MemberView) =>
  member.role === "replica" &&
  !member.deleting &&
  member.node?.desired === "present" &&
  member.node.status === "available" &&
  member.node.running &&
  member.node.addressed &&
  member.replication === undefined;

/** The replica with the most of the replication stream among those that answer. */
function electFrom(members: MemberView[], from: string): string | undefined {
  const candidates = members.filter((member) => member.id !== from && member.role === "replica" && !member.deleting);
  return electReplica(
    candidates.map((member) => ({
      clusterId: member.id,
      offset: answers(member) && member.node!.addressed ? (member.replication!.role === "slave" ? member.replication!.offset : 0) : undefined,
    })),
  );
}

function decideRecorded(observation: NodeGroupObservation, record: FailoverRecord): FailoverDecision {
  const find = (id: string | undefined) => observation.members.find((member) => member.id === id);
  const from = find(record.from);
  const abandon = (reason: AbandonReason, failed: string[], settle: boolean): FailoverDecision => ({ action: "abandon", phase: record.phase, reason, failed, settle });
  if (!from) return abandon("member-gone", [], true);
  if (record.phase === "decide") {
    const to = electFrom(observation.members, from.id);
    return to ? { action: "elect", from: from.id, to, test: record.test, expected: "decide" } : abandon("no-candidate", [], true);
  }
  const to = find(record.to);
  if (!to) return abandon("member-gone", [], true);
  if (record.phase === "promote") {
    // The elected replica must still answer; if it died, forget the election and decide again.
    return to.replication ? { action: "promote", from: from.id, to: to.id, test: record.test } : abandon("elected-died", [to.id], false);
  }
  // recover: the promoted replica must still be there to follow; if it died, both need recovery.
  return to.replication ? { action: "recover", from: from.id, to: to.id } : abandon("promoted-died", [to.id, from.id], false);
}

export function decideFailover(observation: NodeGroupObservation): FailoverDecision {
  if (observation.record) return decideRecorded(observation, observation.record);
  const primary = observation.members.find((member) => member.role === "primary" && !member.deleting);
  if (!primary) return { action: "steady", demote: [] };
  if (isDown(primary)) {
    if (!observation.automaticFailover) return { action: "restart-in-place", primary: primary.id, reason: "disabled" };
    const to = electFrom(observation.members, primary.id);
    if (to) return { action: "elect", from: primary.id, to, test: false, expected: undefined };
    // A replica that runs and is not known to have failed may hold every write and only have missed
    // this INFO (busy, a connection being made again). Restarting the primary now would start it
    // empty and that replica would copy its empty dataset: look again, until it answers or the
    // health monitor records it failed.
    if (observation.members.some(mayAnswerSoon)) return { action: "wait", primary: primary.id };
    return { action: "restart-in-place", primary: primary.id, reason: "no-candidate" };
  }
  const demote = observation.members
    .filter((member) => member.role === "replica" && !member.deleting && answers(member) && member.replication!.role === "master")
    .map((member) => member.id);
  return { action: "steady", demote };
}
