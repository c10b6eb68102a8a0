/**
 * Cluster mode enabled in CreateReplicationGroup: when it is on, the shards it plans (ids, slots,
 * replicas, zones), and AWS's codes for every bad slot configuration and quota. Pure, no nodes.
 */
import { describe, expect, it } from "vitest";
import { offer, type Catalog } from "../../src/domain/catalog.ts";
import { codeOf } from "../helpers/aws-code.ts";
import type { InputOf } from "../../src/aws/operations.ts";
import { parseCreateReplicationGroup } from "../../src/elasticache/replication-group-input.ts";
import { checkCoverage, evenSlots, formatSlots, parseSlots, rangesOf, reshardPlan, slotCount, slotsOf } from "../../src/domain/slots.ts";

const catalog: Catalog = { engines: [offer("redis", "7.0.15")] };
const base = { ReplicationGroupId: "Shop", ReplicationGroupDescription: "shop" };
const parse = (input: Record<string, unknown>) => parseCreateReplicationGroup({ ...base, ...input } as InputOf<"CreateReplicationGroup">, catalog, "us-east-1");


describe("slots", () => {
  it("splits 16384 slots evenly as AWS does, the first shards taking the remainder", () => {
    expect(evenSlots(3).map(formatSlots)).toEqual(["0-5461", "5462-10922", "10923-16383"]);
    expect(evenSlots(2).map(formatSlots)).toEqual(["0-8191", "8192-16383"]);
    expect(evenSlots(1).map(formatSlots)).toEqual(["0-16383"]);
    expect(evenSlots(500).map(slotCount).reduce((a, b) => a + b)).toBe(16384);
  });

  it("parses ranges and single slots, refuses anything outside 0-16383", () => {
    expect(parseSlots("0-100,200-300")).toEqual([{ start: 0, end: 100 }, { start: 200, end: 300 }]);
    expect(parseSlots("7")).toEqual([{ start: 7, end: 7 }]);
    for (const bad of ["", "a-b", "5-1", "0-16384", "-1-5", "1-2-3", "0-100;200-300"]) expect(parseSlots(bad)).toBeUndefined();
  });

  it("finds the first overlapping and the first uncovered slot", () => {
    expect(checkCoverage([[{ start: 0, end: 8191 }], [{ start: 8192, end: 16383 }]])).toEqual({ ok: true });
    expect(checkCoverage([[{ start: 0, end: 8192 }], [{ start: 8192, end: 16383 }]])).toEqual({ ok: false, problem: "overlap", slot: 8192 });
    expect(checkCoverage([[{ start: 0, end: 8190 }], [{ start: 8192, end: 16383 }]])).toEqual({ ok: false, problem: "gap", slot: 8191 });
    expect(checkCoverage([[{ start: 0, end: 16000 }]])).toEqual({ ok: false, problem: "gap", slot: 16001 });
  });

  it("folds slots back into the fewest ranges", () => {
    expect(rangesOf([5, 1, 2, 3, 9, 10])).toEqual([{ start: 1, end: 3 }, { start: 5, end: 5 }, { start: 9, end: 10 }]);
  });
});

describe("cluster mode enabled in CreateReplicationGroup", () => {
  it("is on with more than one node group, ClusterMode enabled or the cluster-on parameter group; automatic failover follows", () => {
    for (const input of [{ NumNodeGroups: 2 }, { ClusterMode: "enabled" }, { ClusterMode: "compatible" }, { CacheParameterGroupName: "default.redis7.cluster.on" }]) {
      const plan = parse(input);
      expect(plan.shards).toBeDefined();
      expect(plan).toMatchObject({ automaticFailover: true, parameterGroupName: "default.redis7.cluster.on" });
    }
    expect(parse({ NumNodeGroups: 1 }).shards).toBeUndefined();
    expect(parse({}).parameterGroupName).toBe("default.redis7");
  });

  it("is on with a user's parameter group that has cluster-enabled yes, which it keeps", () => {
    const input = { ...base, CacheParameterGroupName: "my-cluster-params" } as InputOf<"CreateReplicationGroup">;
    const plan = parseCreateReplicationGroup(input, catalog, "us-east-1", { groupEnablesClusterMode: true });
    expect(plan.shards?.length).toBe(1);
    expect(plan.parameterGroupName).toBe("my-cluster-params");
    expect(parseCreateReplicationGroup(input, catalog, "us-east-1", { groupEnablesClusterMode: false }).shards).toBeUndefined();
  });

  it("plans shards 0001… with even slots and ReplicasPerNodeGroup replicas each", () => {
    const plan = parse({ NumNodeGroups: 3, ReplicasPerNodeGroup: 2 });
    expect(plan.shards).toEqual([
      { id: "0001", slots: "0-5461", replicaCount: 2, primaryAz: undefined, replicaAzs: undefined },
      { id: "0002", slots: "5462-10922", replicaCount: 2, primaryAz: undefined, replicaAzs: undefined },
      { id: "0003", slots: "10923-16383", replicaCount: 2, primaryAz: undefined, replicaAzs: undefined },
    ]);
    expect(plan.numCacheClusters).toBe(9);
  });

  it("takes NodeGroupConfiguration as given: ids, slots, replica counts and zones", () => {
    const plan = parse({
      NodeGroupConfiguration: [
        { NodeGroupId: "7", Slots: "0-999,10000-16383", ReplicaCount: 0, PrimaryAvailabilityZone: "us-east-1b" },
        { NodeGroupId: "0009", Slots: "1000-9999", ReplicaCount: 2, ReplicaAvailabilityZones: ["us-east-1a", "us-east-1c"] },
      ],
    });
    expect(plan.shards).toEqual([
      { id: "0007", slots: "0-999,10000-16383", replicaCount: 0, primaryAz: "us-east-1b", replicaAzs: undefined },
      { id: "0009", slots: "1000-9999", replicaCount: 2, primaryAz: undefined, replicaAzs: ["us-east-1a", "us-east-1c"] },
    ]);
  });

  const slots = (...ranges: string[]) => ({ NodeGroupConfiguration: ranges.map((Slots) => ({ Slots })) });
  it.each([
    [slots("0-8192", "8192-16383"), "InvalidParameterValue 400"], // overlap
    [slots("0-8190", "8192-16383"), "InvalidParameterValue 400"], // gap
    [slots("0-8191", "8192-16000"), "InvalidParameterValue 400"], // 16001-16383 uncovered
    [slots("0-8191", "8192-16384"), "InvalidParameterValue 400"], // out of range
    [slots("8191-0", "8192-16383"), "InvalidParameterValue 400"], // reversed
    [slots("zero-8191", "8192-16383"), "InvalidParameterValue 400"],
    [{ NodeGroupConfiguration: [{ Slots: "0-8191" }, {}] }, "InvalidParameterValue 400"], // slots for some only
    [{ NumNodeGroups: 3, NodeGroupConfiguration: [{}, {}] }, "InvalidParameterValue 400"],
    [{ NodeGroupConfiguration: [{ NodeGroupId: "1" }, { NodeGroupId: "0001" }] }, "InvalidParameterValue 400"],
    [{ NodeGroupConfiguration: [{ NodeGroupId: "abc" }, {}] }, "InvalidParameterValue 400"],
    [{ NodeGroupConfiguration: [{ ReplicaCount: 6 }, {}] }, "InvalidParameterValue 400"],
    [{ NodeGroupConfiguration: [{ ReplicaCount: 2, ReplicaAvailabilityZones: ["us-east-1a"] }, {}] }, "InvalidParameterValue 400"],
    [{ NumNodeGroups: 2, ReplicasPerNodeGroup: 6 }, "InvalidParameterValue 400"],
    [{ NumNodeGroups: 501 }, "NodeGroupsPerReplicationGroupQuotaExceeded 400"],
    [{ NumNodeGroups: 46, ReplicasPerNodeGroup: 1 }, "NodeQuotaForClusterExceeded 400"],
    [{ NumNodeGroups: 2, AutomaticFailoverEnabled: false }, "InvalidParameterCombination 400"],
    [{ NumNodeGroups: 2, NumCacheClusters: 2 }, "InvalidParameterCombination 400"],
    [{ NumNodeGroups: 2, ClusterMode: "disabled" }, "InvalidParameterCombination 400"],
    [{ NumNodeGroups: 2, CacheParameterGroupName: "default.redis7" }, "InvalidParameterCombination 400"],
    // A group not known to enable cluster mode (the service looks it up: unknown is CacheParameterGroupNotFound there)
    [{ NumNodeGroups: 2, CacheParameterGroupName: "custom" }, "InvalidParameterCombination 400"],
    [{ NumNodeGroups: 2, ReplicasPerNodeGroup: 0, MultiAZEnabled: true }, "InvalidParameterCombination 400"],
    [{ NumNodeGroups: 2, NodeGroupConfiguration: "0-5" }, "InvalidParameterValue 400"],
  ])("%o -> %s", (input, expected) => {
    expect(codeOf(() => parse(input))).toBe(expected);
  });
});

describe("resharding plan", () => {
  const shards = (...texts: string[]) => new Map(texts.map((text, index) => [`000${index + 1}`, parseSlots(text)!]));
  const formatted = (plan: Map<string, ReturnType<typeof parseSlots> & object>) => Object.fromEntries([...plan].map(([id, ranges]) => [id, formatSlots(ranges)]));

  it("2 -> 3: each shard keeps its lowest slots, the new one takes what the others give up", () => {
    const plan = reshardPlan(shards("0-8191", "8192-16383"), ["0001", "0002", "0003"]);
    expect(formatted(plan)).toEqual({ "0001": "0-5461", "0002": "8192-13652", "0003": "5462-8191,13653-16383" });
    expect(checkCoverage([...plan.values()])).toEqual({ ok: true });
  });

  it("3 -> 2: a removed shard's slots go to the shards that stay", () => {
    const plan = reshardPlan(shards("0-5461", "8192-13652", "5462-8191,13653-16383"), ["0001", "0002"]);
    expect(checkCoverage([...plan.values()])).toEqual({ ok: true });
    expect([...plan.values()].map(slotCount)).toEqual([8192, 8192]);
    expect(slotsOf(plan.get("0002")!).filter((slot) => slot >= 8192 && slot <= 13652)).toHaveLength(5461);
  });
});
