/**
 * The failover decision, case by case: each row is a node group as observed (members with their
 * recorded role and node status, whether they run, what they answered to INFO replication) plus
 * the durable record, and the decision it must give.
 */
import { describe, expect, it } from "vitest";
import { decideFailover, type FailoverDecision } from "../../src/controllers/failover/decide.ts";
import type { MemberView, NodeGroupObservation } from "../../src/controllers/failover/observation.ts";
import type { FailoverRecord } from "../../src/domain/model.ts";

type State = "up" | "dead" | "failed" | "silent" | "rebooting" | "creating" | "master" | "absent";

/** A member: role, what became of its node, and (for replicas that answer) their offset. */
function member(id: string, role: "primary" | "replica", state: State = "up", offset = 100, deleting = false): MemberView {
  const status = state === "failed" ? "failed" : state === "rebooting" ? "rebooting" : state === "creating" ? "creating" : "available";
  const running = state === "up" || state === "silent" || state === "master" || state === "absent";
  const answers = state === "up" || state === "master" || state === "absent";
  const answeredRole = role === "primary" || state === "master" ? "master" : "slave";
  return {
    id,
    role,
    deleting,
    node: { status, desired: state === "absent" ? "absent" : "present", running, addressed: state !== "creating" },
    replication: answers ? { role: answeredRole, offset: answeredRole === "slave" ? offset : 0 } : undefined,
  };
}

const observation = (members: MemberView[], options: { automaticFailover?: boolean; record?: FailoverRecord } = {}): NodeGroupObservation => ({
  automaticFailover: options.automaticFailover ?? true,
  record: options.record,
  members,
});

const steady = (demote: string[] = []): FailoverDecision => ({ action: "steady", demote });

const cases: [string, NodeGroupObservation, FailoverDecision][] = [
  ["a healthy node group stays as it is", observation([member("g-001", "primary"), member("g-002", "replica"), member("g-003", "replica")]), steady()],
  [
    "dead primary (gone from the runtime): the replica with the most of the stream is elected",
    observation([member("g-001", "primary", "dead"), member("g-002", "replica", "up", 100), member("g-003", "replica", "up", 250)]),
    { action: "elect", from: "g-001", to: "g-003", test: false, expected: undefined },
  ],
  [
    "primary failing its health checks (still running): failed over the same way",
    observation([member("g-001", "primary", "failed"), member("g-002", "replica", "up", 7), member("g-003", "replica", "up", 7)]),
    { action: "elect", from: "g-001", to: "g-002", test: false, expected: undefined },
  ],
  [
    "two dead at once: the one replica left takes over",
    observation([member("g-001", "primary", "dead"), member("g-002", "replica", "dead", 900), member("g-003", "replica", "up", 10)]),
    { action: "elect", from: "g-001", to: "g-003", test: false, expected: undefined },
  ],
  [
    "a replica that does not answer is no candidate, even with the higher offset it had",
    observation([member("g-001", "primary", "dead"), member("g-002", "replica", "silent", 900), member("g-003", "replica", "up", 10)]),
    { action: "elect", from: "g-001", to: "g-003", test: false, expected: undefined },
  ],
  [
    "stale replica: behind by offset, not elected",
    observation([member("g-001", "primary", "dead"), member("g-002", "replica", "up", 5), member("g-003", "replica", "up", 6)]),
    { action: "elect", from: "g-001", to: "g-003", test: false, expected: undefined },
  ],
  [
    "replicas being deleted or removed are no candidates",
    observation([member("g-001", "primary", "dead"), member("g-002", "replica", "up", 50, true), member("g-003", "replica", "absent", 60), member("g-004", "replica", "up", 1)]),
    { action: "elect", from: "g-001", to: "g-004", test: false, expected: undefined },
  ],
  [
    "every replica dead: the primary is restarted in place",
    observation([member("g-001", "primary", "dead"), member("g-002", "replica", "dead"), member("g-003", "replica", "failed")]),
    { action: "restart-in-place", primary: "g-001", reason: "no-candidate" },
  ],
  [
    "dead primary, and the one live replica missed its INFO: look again, not restart the primary empty under it",
    observation([member("g-001", "primary", "dead"), member("g-002", "replica", "silent", 900), member("g-003", "replica", "dead")]),
    { action: "wait", primary: "g-001" },
  ],
  [
    "automatic failover disabled: the primary is restarted in place",
    observation([member("g-001", "primary", "dead"), member("g-002", "replica")], { automaticFailover: false }),
    { action: "restart-in-place", primary: "g-001", reason: "disabled" },
  ],
  ["a customer reboot of the primary is no failure", observation([member("g-001", "primary", "rebooting"), member("g-002", "replica")]), steady()],
  ["a primary still being created is no failure", observation([member("g-001", "primary", "creating"), member("g-002", "replica", "creating")]), steady()],
  ["no primary recorded: nothing to decide", observation([member("g-002", "replica")]), steady()],
  [
    "old primary back as a master while the primary serves: demoted",
    observation([member("g-001", "primary"), member("g-002", "replica", "master"), member("g-003", "replica")]),
    steady(["g-002"]),
  ],
  [
    "interrupted in phase decide (TestFailover asked): the election happens now",
    observation([member("g-001", "primary"), member("g-002", "replica", "up", 3), member("g-003", "replica", "up", 3)], { record: { phase: "decide", from: "g-001", test: true } }),
    { action: "elect", from: "g-001", to: "g-002", test: true, expected: "decide" },
  ],
  [
    "TestFailover with no replica that answers: abandoned, the group settles",
    observation([member("g-001", "primary"), member("g-002", "replica", "silent")], { record: { phase: "decide", from: "g-001", test: true } }),
    { action: "abandon", phase: "decide", reason: "no-candidate", failed: [], settle: true },
  ],
  [
    "interrupted in phase promote: the elected replica is promoted",
    observation([member("g-001", "primary", "dead"), member("g-002", "replica")], { record: { phase: "promote", from: "g-001", to: "g-002", test: false } }),
    { action: "promote", from: "g-001", to: "g-002", test: false },
  ],
  [
    "interrupted in phase promote after the promotion itself: promoted again (idempotent)",
    observation([member("g-001", "primary", "dead"), member("g-002", "replica", "master")], { record: { phase: "promote", from: "g-001", to: "g-002", test: true } }),
    { action: "promote", from: "g-001", to: "g-002", test: true },
  ],
  [
    "the elected replica died before its promotion: the election is abandoned and it is failed",
    observation([member("g-001", "primary", "dead"), member("g-002", "replica", "dead"), member("g-003", "replica")], { record: { phase: "promote", from: "g-001", to: "g-002", test: false } }),
    { action: "abandon", phase: "promote", reason: "elected-died", failed: ["g-002"], settle: false },
  ],
  [
    "interrupted in phase recover: the old primary is recovered as a replica of the new one",
    observation([member("g-001", "replica", "rebooting"), member("g-002", "primary"), member("g-003", "replica")], { record: { phase: "recover", from: "g-001", to: "g-002", test: false } }),
    { action: "recover", from: "g-001", to: "g-002" },
  ],
  [
    "the promoted replica died during recovery: both are failed and the failover decided again",
    observation([member("g-001", "replica", "rebooting"), member("g-002", "primary", "dead"), member("g-003", "replica")], { record: { phase: "recover", from: "g-001", to: "g-002", test: false } }),
    { action: "abandon", phase: "recover", reason: "promoted-died", failed: ["g-002", "g-001"], settle: false },
  ],
  [
    "a member of the record was deleted meanwhile: abandoned, the group settles",
    observation([member("g-001", "primary", "dead"), member("g-003", "replica")], { record: { phase: "promote", from: "g-001", to: "g-002", test: false } }),
    { action: "abandon", phase: "promote", reason: "member-gone", failed: [], settle: true },
  ],
];

describe("failover decision", () => {
  it.each(cases)("%s", (_name, observed, expected) => {
    expect(decideFailover(observed)).toEqual(expected);
  });

  it("after a promoted replica died, the next decision elects among those left (promoted replica dying)", () => {
    // The abandon above marked g-002 and g-001 failed and cleared the record; g-002 is the recorded primary.
    const next = observation([member("g-001", "replica", "failed"), member("g-002", "primary", "failed"), member("g-003", "replica", "up", 4)]);
    expect(decideFailover(next)).toEqual({ action: "elect", from: "g-002", to: "g-003", test: false, expected: undefined });
  });
});
