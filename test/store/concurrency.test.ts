/**
 * The store's rules for concurrent writers, against a real database written by two stores in two
 * processes (as two control planes would; test/store/peer.ts is the other one), once on SQLite
 * and once on PostgreSQL: of two
 * writes conditional on the same read, exactly one wins and the other is told the row changed;
 * duplicates, port races, subnet groups in use, quotas and failover phases are refused by the
 * database, not by a check the other writer could slip past.
 */
import { fork, type ChildProcess } from "node:child_process";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { ReplicationGroup } from "../../src/domain/model.ts";
import { openDatabase } from "../../src/store/database.ts";
import { Store } from "../../src/store/index.ts";
import { storeDatabases, type TestDatabase } from "../helpers/databases.ts";
import { createDefaultSubnetGroup, groupSpec, member, portCounter } from "./fixtures.ts";

const pool = { range: [40000, 40999] as [number, number], isFree: async () => true };

let database: TestDatabase;
let one: Store;
const port = portCounter(40000);

/* The other writer: a store in another process, called through a proxy shaped like a Store. */
let peer: ChildProcess;
let requestId = 0;
const pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();

function callPeer(request: Record<string, unknown>): Promise<unknown> {
  const id = ++requestId;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    peer.send({ id, ...request });
  });
}

const two = new Proxy({} as Store, {
  get: (_store, repo) =>
    new Proxy({}, { get: (_repository, method) => (...args: unknown[]) => callPeer({ repo, method, args }) }),
});

beforeAll(() => {
  peer = fork(new URL("./peer.ts", import.meta.url).pathname, [], { execArgv: ["--import", "tsx"], serialization: "advanced" });
  peer.on("message", (reply: { id: number; value?: unknown; error?: string; message?: string }) => {
    const waiting = pending.get(reply.id)!;
    pending.delete(reply.id);
    if (reply.error === undefined) waiting.resolve(reply.value);
    else waiting.reject(Object.assign(new Error(reply.message), { name: reply.error }));
  });
});

afterAll(() => {
  peer.kill("SIGKILL");
});

const newGroup = (id: string, replicas = 1, endpoints?: { primary: number; reader: number }) =>
  groupSpec(id, port, { members: Array.from({ length: replicas + 1 }, (_, index) => index + 1), endpoints });
const replica = (groupId: string, index: number) => member(groupId, index, "replica", port());

/** Runs both writes at once; returns what each gave (value or error). */
async function race<A, B>(first: () => Promise<A>, second: () => Promise<B>) {
  return Promise.allSettled([first(), second()]);
}

/** Exactly one write succeeded; the other failed with the store error named. */
function oneWins(results: PromiseSettledResult<unknown>[], loser: string) {
  const won = results.filter((result) => result.status === "fulfilled");
  const lost = results.filter((result): result is PromiseRejectedResult => result.status === "rejected");
  expect(won).toHaveLength(1);
  expect(lost).toHaveLength(1);
  expect((lost[0].reason as Error).name).toBe(loser);
}

describe.each(storeDatabases())("on $name", ({ fresh }) => {
  beforeEach(async () => {
    database = await fresh();
    one = new Store(openDatabase(database.url), pool);
    await callPeer({ url: database.url });
    await createDefaultSubnetGroup(one);
  });

  afterEach(async () => {
    await one.close();
    await database.remove();
  });

  async function availableGroup(id: string, replicas = 1): Promise<ReplicationGroup> {
    const created = await one.replicationGroups.create(newGroup(id, replicas));
    const nodes = created.nodeGroups[0].members.map((cluster) => ({ clusterId: cluster.id, nodeId: "0001" }));
    expect(await one.replicationGroups.markAvailable(id, created.version, { nodes, clusterIds: created.nodeGroups[0].members.map((cluster) => cluster.id) }, [])).toBe(true);
    return (await one.replicationGroups.get(id))!;
  }

  describe("writes conditional on the version read", () => {
    it("two modifications of what both read: one wins, the other is told the group changed", async () => {
      const group = await availableGroup("rg");
      const results = await race(
        () => one.replicationGroups.modify("rg", group.version, { description: "first" }, []),
        () => two.replicationGroups.modify("rg", group.version, { description: "second" }, []),
      );
      oneWins(results, "StaleWriteError");
      const after = (await one.replicationGroups.get("rg"))!;
      expect(after.version).toBe(group.version + 1);
      expect(["first", "second"]).toContain(after.description);
    });

    it("two replica additions from the same read: exactly one set of replicas is added", async () => {
      const group = await availableGroup("rg");
      const results = await race(
        () => one.replicationGroups.addMembers("rg", group.version, [replica("rg", 3)], [], 300),
        () => two.replicationGroups.addMembers("rg", group.version, [replica("rg", 4)], [], 300),
      );
      oneWins(results, "StaleWriteError");
      expect((await one.replicationGroups.get("rg"))!.nodeGroups[0].members).toHaveLength(3);
    });

    it("a replica removal racing a replica addition: one of them, never both", async () => {
      const group = await availableGroup("rg", 2);
      const results = await race(
        () => one.replicationGroups.removeMembers("rg", group.version, ["rg-003"], []),
        () => two.replicationGroups.addMembers("rg", group.version, [replica("rg", 4)], [], 300),
      );
      oneWins(results, "StaleWriteError");
    });

    it("two TestFailover requests for one node group: one is recorded", async () => {
      const group = await availableGroup("rg");
      const request = { nodeGroupId: "0001", from: "rg-001", rate: { prefix: "Test Failover", since: new Date(0), limit: 15 } };
      const results = await race(
        () => one.replicationGroups.requestTestFailover("rg", group.version, request, [{ sourceType: "replication-group", sourceIdentifier: "rg", message: "Test Failover API called" }]),
        () => two.replicationGroups.requestTestFailover("rg", group.version, request, [{ sourceType: "replication-group", sourceIdentifier: "rg", message: "Test Failover API called" }]),
      );
      oneWins(results, "StaleWriteError");
      const after = (await one.replicationGroups.get("rg"))!;
      expect(after.nodeGroups[0].failover).toEqual({ phase: "decide", from: "rg-001", to: undefined, test: true });
      expect(after.status).toBe("modifying");
    });

    it("a cache cluster joining a group races a delete of the group: one of them", async () => {
      const group = await availableGroup("rg");
      const results = await race(
        () => one.cacheClusters.create(replica("rg", 3), { group: { id: "rg", version: group.version }, tags: { arn: "arn:x", tags: [] }, events: [], maxNodes: 300 }),
        () => two.replicationGroups.markDeleting("rg", group.version, undefined, []),
      );
      oneWins(results, "StaleWriteError");
    });

    it("the reconciler does not record a group available when the API changed it meanwhile", async () => {
      const group = await availableGroup("rg");
      await two.replicationGroups.modify("rg", group.version, { cacheNodeType: "cache.t3.small" }, []);
      expect(await one.replicationGroups.markAvailable("rg", group.version, { nodes: [], clusterIds: [] }, [])).toBe(false);
      expect((await one.replicationGroups.get("rg"))!.status).toBe("modifying");
    });
  });

  describe("rules the database keeps", () => {
    it("two creates of one group id: one group, the other already exists", async () => {
      const results = await race(
        () => one.replicationGroups.create(newGroup("dup")),
        () => two.replicationGroups.create(newGroup("dup")),
      );
      oneWins(results, "AlreadyExistsError");
      expect((results.find((result) => result.status === "rejected") as PromiseRejectedResult).reason.message).toContain("replication-group dup");
    });

    it("two groups claiming the same endpoint port: one gets it, the other is told it was taken", async () => {
      const ports = { primary: 40900, reader: 40901 };
      const results = await race(
        () => one.replicationGroups.create(newGroup("left", 1, ports)),
        () => two.replicationGroups.create(newGroup("right", 1, ports)),
      );
      oneWins(results, "PortTakenError");
    });

    it("a subnet group in use cannot be deleted; once unused it can", async () => {
      await one.subnetGroups.create({ name: "apps", description: "apps", vpcId: "vpc-2", subnets: [{ subnetId: "subnet-2", availabilityZone: "us-east-1b" }] }, { arn: "arn:apps", tags: [] });
      const onApps = newGroup("on-apps", 0);
      await one.replicationGroups.create({ ...onApps, subnetGroupName: "apps", nodeGroups: [{ ...onApps.nodeGroups[0], members: [{ ...onApps.nodeGroups[0].members[0], subnetGroupName: "apps" }] }] });
      await expect(two.subnetGroups.delete("apps", "arn:apps")).rejects.toMatchObject({ name: "InUseError" });
      await one.replicationGroups.remove("on-apps", "arn:on-apps", []);
      await two.subnetGroups.delete("apps", "arn:apps");
      expect(await one.subnetGroups.get("apps")).toBeUndefined();
    });

    it("two tag additions each within the quota but over it together: one is refused", async () => {
      const tags = (prefix: string) => Array.from({ length: 30 }, (_, index) => ({ key: `${prefix}${index}`, value: "v" }));
      const results = await race(
        () => one.tags.add("arn:tagged", tags("a"), 50),
        () => two.tags.add("arn:tagged", tags("b"), 50),
      );
      oneWins(results, "QuotaError");
      expect(await one.tags.list("arn:tagged")).toHaveLength(30);
    });

    it("many concurrent writes that all fit the quota: every one succeeds (PostgreSQL's conflicts, at a statement or at COMMIT, are run again)", async () => {
      const tags = (prefix: string) => Array.from({ length: 5 }, (_, index) => ({ key: `${prefix}${index}`, value: "v" }));
      const writers = Array.from({ length: 8 }, (_, index) => (index % 2 === 0 ? one : two));
      const results = await Promise.allSettled(writers.map((writer, index) => writer.tags.add("arn:busy", tags(`w${index}-`), 50)));
      expect(results.filter((result) => result.status === "rejected")).toEqual([]);
      expect(await one.tags.list("arn:busy")).toHaveLength(40);
    });
  });

  describe("failover phases and the health monitor's verdict", () => {
    const key = { replicationGroupId: "rg", nodeGroupId: "0001" };

    it("two controllers electing for one node group: one election is recorded", async () => {
      await availableGroup("rg", 2);
      const results = await race(
        () => one.failovers.elect(key, { from: "rg-001", to: "rg-002", test: false }, undefined, []),
        () => two.failovers.elect(key, { from: "rg-001", to: "rg-003", test: false }, undefined, []),
      );
      oneWins(results, "StaleWriteError");
      const record = (await one.replicationGroups.get("rg"))!.nodeGroups[0].failover!;
      expect(record.phase).toBe("promote");
    });

    it("a phase runs once: the second promotion of the same record finds it advanced", async () => {
      await availableGroup("rg");
      await one.failovers.elect(key, { from: "rg-001", to: "rg-002", test: false }, undefined, []);
      const record = { phase: "promote" as const, from: "rg-001", to: "rg-002", test: false };
      const results = await race(() => one.failovers.promoted(key, record, []), () => two.failovers.promoted(key, record, []));
      oneWins(results, "StaleWriteError");
      const group = (await one.replicationGroups.get("rg"))!;
      expect(group.nodeGroups[0].members.map((cluster) => cluster.role)).toEqual(["replica", "primary"]);
    });

    it("a node is failed once, and not while its node group fails over", async () => {
      await availableGroup("rg");
      const node = { clusterId: "rg-002", nodeId: "0001" };
      const verdicts = await Promise.all([one.nodes.markFailedIfAvailable(node, []), two.nodes.markFailedIfAvailable(node, [])]);
      expect(verdicts.filter(Boolean)).toHaveLength(1);
      await one.failovers.elect(key, { from: "rg-001", to: "rg-002", test: false }, undefined, []);
      expect(await two.nodes.markFailedIfAvailable({ clusterId: "rg-001", nodeId: "0001" }, [])).toBe(false);
    });
  });
});
