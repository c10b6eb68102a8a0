/**
 * Failover for real, with both runtimes: the primary is SIGKILLed (process) or `docker kill`ed
 * while an application writes through the group's PrimaryEndpoint; TestFailover through the AWS
 * SDK and the AWS CLI; the reader endpoint; two of three nodes killed; no failover when it is
 * disabled; the control plane killed during a failover.
 */
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { awsCli } from "../helpers/clients.ts";
import { eventually } from "../helpers/eventually.ts";
import {
  closeRedisClients,
  crashNode,
  endpointsOf,
  redis,
  redisInfo,
  runtimesUnderTest,
  startNodeServer,
  waitForLinkUp,
  waitSettled,
  type NodeServer,
  type RuntimeKind,
} from "../helpers/nodes.ts";
import { ContinuousWriter } from "../helpers/writer.ts";

const runtimes = await runtimesUnderTest();

async function createGroup(target: NodeServer, id: string, extra: Record<string, unknown> = {}) {
  const { ReplicationGroup } = await target.api.ok("POST", "/v1/replication-groups?wait=true", {
    ReplicationGroupId: id,
    ReplicationGroupDescription: "failover test",
    NumCacheClusters: 3,
    AutomaticFailoverEnabled: true,
    ...extra,
  });
  expect(ReplicationGroup.Status).toBe("available");
  return ReplicationGroup;
}

const messages = (events: { Message: string }[]) => events.map((event) => event.Message);

describe.each(runtimes)("failover with the %s runtime", (runtime: RuntimeKind) => {
  let target: NodeServer;

  beforeAll(async () => {
    target = await startNodeServer(runtime, { tag: `fo${runtime[0]}` });
  });
  afterAll(async () => {
    closeRedisClients();
    await target?.destroy();
  });

  it("keeps writes going through PrimaryEndpoint when the primary is killed, and recovers the old primary as a replica", async () => {
    const created = await createGroup(target, "orders");
    const { primary: primaryEndpoint } = endpointsOf(created);
    const primaryNode = endpointsOf(created).members["orders-001"];
    expect(primaryNode.role).toBe("primary");
    expect(primaryEndpoint.Port).not.toBe(primaryNode.endpoint.Port);

    const direct = redis(primaryEndpoint);
    for (let i = 0; i < 50; i++) await direct.set(`before${i}`, String(i));
    // WAIT: the keys are on both replicas before the crash, so none may be lost.
    expect(await direct.wait(2, 5000)).toBe(2);

    const writer = new ContinuousWriter(primaryEndpoint.Port, primaryEndpoint.Address);
    await eventually(async () => writer.report.acked.length > 20, 10_000, "writes before the kill");
    const killedAt = performance.now();
    crashNode(target, "orders-001-0001");
    const resumedAt = await writer.waitForAckAfter(killedAt + 1, 20_000);
    expect(resumedAt).toBeGreaterThan(killedAt);
    await eventually(async () => writer.report.ackTimes.filter((time) => time > resumedAt).length > 20, 10_000, "writes after the failover");
    const report = await writer.stop();

    const group = await waitSettled(target, "orders");
    const after = endpointsOf(group);
    const newPrimary = group.NodeGroups[0].NodeGroupMembers.find((member: any) => member.CurrentRole === "primary");
    expect(newPrimary.CacheClusterId).not.toBe("orders-001");
    expect(after.members["orders-001"].role).toBe("replica");
    const [primaryCluster] = (await target.api.send("DescribeReplicationGroups", { ReplicationGroupId: "orders" })).ReplicationGroups[0].MemberClusters;
    expect(primaryCluster).toBe("orders-001");

    // Keys written before the kill are on the new primary, and the last acknowledged write too.
    const fresh = redis(after.primary);
    expect(await fresh.get("before0")).toBe("0");
    expect(await fresh.get("before49")).toBe("49");
    const last = report.acked[report.acked.length - 1];
    expect(await fresh.get(`w${last}`)).toBe(String(last));
    expect((await redisInfo(after.primary)).role).toBe("master");

    // The old primary came back as a replica of the new one, in sync.
    const old = await waitForLinkUp(after.members["orders-001"].endpoint);
    expect(old.role).toBe("slave");
    expect(Number(old.master_port)).toBeGreaterThan(0);

    const events = messages(await target.api.events("cache-cluster", "orders-001"));
    expect(events).toContain(`Failover from primary node orders-001 to replica node ${newPrimary.CacheClusterId} completed`);
    const recovering = events.indexOf("Recovering cache nodes 0001");
    expect(recovering).toBeGreaterThan(-1);
    expect(events.indexOf("Finished recovery for cache nodes 0001")).toBeGreaterThan(recovering);
    expect(messages(await target.api.events("replication-group", "orders"))).toContain(
      `Failover from primary node orders-001 to replica node ${newPrimary.CacheClusterId} completed`,
    );
  });

  it("runs TestFailover through the AWS SDK with AWS's event sequence", async () => {
    const group = await waitSettled(target, "orders");
    const oldPrimary = group.NodeGroups[0].NodeGroupMembers.find((member: any) => member.CurrentRole === "primary").CacheClusterId;
    const startedAt = new Date();
    const { ReplicationGroup } = await target.api.send("TestFailover", { ReplicationGroupId: "orders", NodeGroupId: "0001" });
    expect(ReplicationGroup.ReplicationGroupId).toBe("orders");
    const after = await eventually(
      async () => {
        const current = await waitSettled(target, "orders");
        const primary = current.NodeGroups[0].NodeGroupMembers.find((member: any) => member.CurrentRole === "primary").CacheClusterId;
        return primary !== oldPrimary && current;
      },
      30_000,
      "the primary to change",
    );
    const newPrimary = after.NodeGroups[0].NodeGroupMembers.find((member: any) => member.CurrentRole === "primary").CacheClusterId;
    const all = (await target.api.send("DescribeEvents", { StartTime: startedAt, Duration: 60 })).Events as { SourceIdentifier: string; SourceType: string; Message: string }[];
    const sequence = all
      .filter((event) => event.SourceIdentifier === "orders" || event.SourceIdentifier === oldPrimary)
      .map((event) => `${event.SourceType} ${event.Message}`);
    const expected = [
      "replication-group Test Failover API called for node group 0001",
      `cache-cluster Failover from primary node ${oldPrimary} to replica node ${newPrimary} completed`,
      `replication-group Failover from primary node ${oldPrimary} to replica node ${newPrimary} completed`,
      "cache-cluster Recovering cache nodes 0001",
      "cache-cluster Finished recovery for cache nodes 0001",
    ];
    expect(sequence.filter((line) => expected.includes(line))).toEqual(expected);
    await waitForLinkUp(endpointsOf(after).members[oldPrimary].endpoint);
  });

  it("runs TestFailover through the AWS CLI, and refuses one while the group is not available", async () => {
    await waitSettled(target, "orders");
    const reply = await awsCli(target.server.url, "TestFailover", { ReplicationGroupId: "orders", NodeGroupId: "0001" });
    expect(reply.ReplicationGroup.Status).toBe("modifying");
    await waitSettled(target, "orders");
    // Two at once: the first one wins, the second finds the group modifying.
    const attempts = await Promise.all(
      [1, 2].map(() => target.api.rest("POST", "/v1/replication-groups/orders/test-failover", { NodeGroupId: "0001" })),
    );
    expect(attempts.map((attempt) => attempt.status).sort()).toEqual([200, 400]);
    expect(attempts.find((attempt) => attempt.status === 400)!.body.Error.Code).toBe("InvalidReplicationGroupState");
    await waitSettled(target, "orders");
  });

  it("spreads reader endpoint connections over the replicas", async () => {
    const group = await waitSettled(target, "orders");
    const { reader, members } = endpointsOf(group);
    const replicaPorts = Object.values(members)
      .filter((member) => member.role === "replica")
      .map((member) => member.endpoint.Port);
    const seen = new Set<string>();
    for (let i = 0; i < 6; i++) {
      // A new connection each time: the reader endpoint balances connections, not commands.
      const client = new Redis({ host: reader.Address, port: reader.Port, lazyConnect: true });
      await client.connect();
      const info = String(await client.info());
      client.disconnect();
      expect(info).toContain("role:slave");
      seen.add(/run_id:(\w+)/.exec(info)![1]);
    }
    expect(seen.size).toBe(replicaPorts.length);
  });

  it("fails over when two of three nodes die at once", async () => {
    const group = await waitSettled(target, "orders");
    const members = group.NodeGroups[0].NodeGroupMembers;
    const primary = members.find((member: any) => member.CurrentRole === "primary").CacheClusterId;
    const replica = members.find((member: any) => member.CurrentRole === "replica").CacheClusterId;
    const survivor = members.find((member: any) => member.CacheClusterId !== primary && member.CacheClusterId !== replica).CacheClusterId;
    await redis(endpointsOf(group).primary).set("two-down", "yes");
    await redis(endpointsOf(group).primary).wait(2, 5000);
    crashNode(target, `${primary}-0001`);
    crashNode(target, `${replica}-0001`);
    const after = await eventually(
      async () => {
        const current = await waitSettled(target, "orders");
        const now = current.NodeGroups[0].NodeGroupMembers.find((member: any) => member.CurrentRole === "primary").CacheClusterId;
        return now === survivor && current;
      },
      30_000,
      "the survivor to be primary",
    );
    expect(await redis(endpointsOf(after).primary).get("two-down")).toBe("yes");
    for (const member of [primary, replica]) {
      expect((await waitForLinkUp(endpointsOf(after).members[member].endpoint)).role).toBe("slave");
    }
  });

  it("restarts the primary in place when automatic failover is disabled", async () => {
    const group = await createGroup(target, "nofo", { AutomaticFailoverEnabled: false });
    crashNode(target, "nofo-001-0001");
    await eventually(async () => {
      const events = messages(await target.api.events("replication-group", "nofo"));
      return events.some((message) => message.includes("restarting it in place because automatic failover is disabled"));
    }, 20_000, "the restart-in-place event");
    const after = await waitSettled(target, "nofo");
    expect(endpointsOf(after).members["nofo-001"].role).toBe("primary");
    expect((await redisInfo(endpointsOf(after).primary)).role).toBe("master");
    await redis(endpointsOf(after).primary).set("again", "1");
    expect(messages(await target.api.events("cache-cluster", "nofo-001"))).toContain("Finished recovery for cache nodes 0001");
    expect(group.AutomaticFailover).toBe("disabled");
  });

  it("does not fail over on a customer reboot of the primary", async () => {
    const group = await waitSettled(target, "nofo");
    await target.api.ok("POST", "/v1/cache-clusters/nofo-001/reboot?wait=true", { CacheNodeIdsToReboot: ["0001"] });
    const after = await waitSettled(target, "nofo");
    expect(endpointsOf(after).members["nofo-001"].role).toBe("primary");
    expect(after.NodeGroups[0].PrimaryEndpoint).toEqual(group.NodeGroups[0].PrimaryEndpoint);
  });

  it("finishes a failover after the control plane is killed in the middle of it", async () => {
    const group = await waitSettled(target, "orders");
    const before = group.NodeGroups[0].NodeGroupMembers.find((member: any) => member.CurrentRole === "primary").CacheClusterId;
    await target.api.send("TestFailover", { ReplicationGroupId: "orders", NodeGroupId: "0001" });
    await target.restart({ kill: true });
    const after = await eventually(
      async () => {
        const current = await waitSettled(target, "orders");
        const primaries = current.NodeGroups[0].NodeGroupMembers.filter((member: any) => member.CurrentRole === "primary");
        return primaries.length === 1 && primaries[0].CacheClusterId !== before && current;
      },
      40_000,
      "the failover to finish after the restart",
    );
    const roles = await Promise.all(
      Object.values(endpointsOf(after).members).map(async (member) => ({ member, info: await redisInfo(member.endpoint) })),
    );
    expect(roles.filter(({ info }) => info.role === "master")).toHaveLength(1);
    expect(roles.find(({ info }) => info.role === "master")!.member.role).toBe("primary");
    await redis(endpointsOf(after).primary).set("after-restart", "1");
  });
});
