import { expect, it } from "vitest";
import { electReplica } from "../../src/controllers/failover/elect.ts";

it("promotes the replica that received the most of the replication stream", () => {
  expect(electReplica([
    { clusterId: "g-002", offset: 100 },
    { clusterId: "g-003", offset: 250 },
  ])).toBe("g-003");
});

it("breaks ties by the lowest member id", () => {
  expect(electReplica([
    { clusterId: "g-004", offset: 7 },
    { clusterId: "g-002", offset: 7 },
    { clusterId: "g-003", offset: 7 },
  ])).toBe("g-002");
});

it("skips replicas that did not answer, and elects nobody when none did", () => {
  expect(electReplica([{ clusterId: "g-002", offset: undefined }, { clusterId: "g-003", offset: 0 }])).toBe("g-003");
  expect(electReplica([{ clusterId: "g-002", offset: undefined }])).toBeUndefined();
  expect(electReplica([])).toBeUndefined();
});
