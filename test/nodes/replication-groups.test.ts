/**
 * Replication groups on real Redis nodes, with both runtimes: created through the real AWS SDK
 * (Query protocol) and through plain HTTP with ?wait=true; data written on the primary endpoint
 * the API hands out is read back from every replica; replicas are added and removed (really
 * started / really gone); a replica reboot really restarts its node; a cache cluster created
 * with ReplicationGroupId joins the group as a replica; events in AWS wording.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../helpers/eventually.ts";
import { CLUSTERS, GROUPS } from "../helpers/clients.ts";
import {
  closeRedisClients,
  endpointsOf,
  memberIds,
  nodeGone,
  nodeIdentity,
  redisCommand,
  redisInfo,
  runningNodes,
  runtimesUnderTest,
  startNodeServer,
  waitForLinkUp,
  waitForValue,
  type Endpoint,
  type NodeServer,
} from "../helpers/nodes.ts";

const RUNTIMES = await runtimesUnderTest();
const ZONE = /^us-east-1[a-z]$/;

afterAll(() => closeRedisClients());

/** The shape every 3-node cluster-mode-disabled group must have once available. */
function expectAvailableGroup(group: any, id: string, members: string[]) {
  expect(group.ReplicationGroupId).toBe(id);
  expect(group.Status).toBe("available");
  expect(group.MemberClusters).toEqual(members);
  expect(group.ClusterEnabled).toBe(false);
  expect(group.AutomaticFailover).toBe("disabled");
  expect(group.ARN).toBe(`arn:aws:elasticache:us-east-1:000000000000:replicationgroup:${id}`);
  expect(group.NodeGroups).toHaveLength(1);
  const [nodeGroup] = group.NodeGroups;
  expect(nodeGroup.NodeGroupId).toBe("0001");
  expect(nodeGroup.Status).toBe("available");
  expect(nodeGroup.PrimaryEndpoint).toEqual({ Address: "127.0.0.1", Port: expect.any(Number) });
  expect(nodeGroup.ReaderEndpoint).toEqual({ Address: "127.0.0.1", Port: expect.any(Number) });
  expect(nodeGroup.NodeGroupMembers.map((member: any) => member.CacheClusterId).sort()).toEqual(members);
  for (const member of nodeGroup.NodeGroupMembers) {
    expect(member.CacheNodeId).toBe("0001");
    expect(member.ReadEndpoint).toEqual({ Address: "127.0.0.1", Port: expect.any(Number) });
    expect(member.PreferredAvailabilityZone).toMatch(ZONE);
    expect(["primary", "replica"]).toContain(member.CurrentRole);
  }
  const roles = nodeGroup.NodeGroupMembers.map((member: any) => member.CurrentRole);
  expect(roles.filter((role: string) => role === "primary")).toHaveLength(1);
  const primary = nodeGroup.NodeGroupMembers.find((member: any) => member.CurrentRole === "primary");
  expect(primary.CacheClusterId).toBe(members[0]);
  const ports = nodeGroup.NodeGroupMembers.map((member: any) => member.ReadEndpoint.Port);
  expect(new Set(ports).size).toBe(members.length);
}

/**
 * The primary endpoint leads to the primary member's node, the reader endpoint to a replica
 * (both may be the node's own port or a proxy in front of it: compared by Redis run_id).
 */
async function expectEndpointsLeadToTheirNodes(group: any) {
  const { primary, reader, members } = endpointsOf(group);
  const runIds: Record<string, string> = {};
  for (const [id, member] of Object.entries(members)) runIds[id] = (await redisInfo(member.endpoint, "server")).run_id;
  const primaryId = Object.keys(members).find((id) => members[id].role === "primary")!;
  expect((await redisInfo(primary, "server")).run_id).toBe(runIds[primaryId]);
  expect((await redisInfo(primary)).role).toBe("master");
  const replicaRunIds = Object.keys(members).filter((id) => members[id].role === "replica").map((id) => runIds[id]);
  if (replicaRunIds.length > 0) expect(replicaRunIds).toContain((await redisInfo(reader, "server")).run_id);
}

/**
 * SET on the primary member's node, then the value on every replica; INFO replication agrees.
 * (Through the node endpoints: the group's PrimaryEndpoint/ReaderEndpoint get their own test.)
 */
async function expectReplicates(group: any, key: string, value: string) {
  const { members } = endpointsOf(group);
  const primary = Object.values(members).find((member) => member.role === "primary")!.endpoint;
  expect(await redisCommand(primary, "SET", key, value)).toBe("OK");
  const replicas = Object.entries(members).filter(([, member]) => member.role === "replica");
  expect(replicas.length).toBeGreaterThan(0);
  for (const [, replica] of replicas) {
    await waitForValue(replica.endpoint, key, value);
    const info = await waitForLinkUp(replica.endpoint);
    expect(info.role).toBe("slave");
    expect(info.master_link_status).toBe("up");
    // A replica refuses writes.
    await expect(redisCommand(replica.endpoint, "SET", `${key}-on-replica`, "x")).rejects.toThrow(/READONLY/);
  }
  const primaryInfo = await eventually(
    async () => {
      const info = await redisInfo(primary);
      return Number(info.connected_slaves) === replicas.length ? info : undefined;
    },
    10_000,
    `connected_slaves:${replicas.length}`,
  );
  expect(primaryInfo.role).toBe("master");
}

/** A SET through the group's PrimaryEndpoint is read back through every replica and the ReaderEndpoint. */
async function expectGroupEndpointsServe(group: any, key: string, value: string) {
  await expectEndpointsLeadToTheirNodes(group);
  const { primary, reader, members } = endpointsOf(group);
  expect(await redisCommand(primary, "SET", key, value)).toBe("OK");
  for (const member of Object.values(members)) await waitForValue(member.endpoint, key, value);
  await waitForValue(reader, key, value);
  await expect(redisCommand(reader, "SET", `${key}-via-reader`, "x")).rejects.toThrow(/READONLY/);
}

describe.each(RUNTIMES)("replication groups on real nodes (%s runtime)", (runtime) => {
  let target: NodeServer;
  const engineVersion = { value: "" };

  beforeAll(async () => {
    target = await startNodeServer(runtime, { tag: "rg" });
    const versions = await target.api.ok("GET", "/v1/cache-engine-versions?Engine=redis");
    engineVersion.value = versions.CacheEngineVersions[0].EngineVersion;
  });
  afterAll(async () => target?.destroy());

  describe("created through the AWS SDK (Query protocol)", () => {
    const id = "sdk-rg";
    const members = memberIds(id, 3);
    let group: any;

    it("CreateReplicationGroup answers creating, then the group becomes available", async () => {
      const created = await target.api.send("CreateReplicationGroup", {
        ReplicationGroupId: "SDK-RG",
        ReplicationGroupDescription: "three real nodes",
        Engine: "redis",
        CacheNodeType: "cache.t3.micro",
        NumCacheClusters: 3,
      });
      expect(created.ReplicationGroup.ReplicationGroupId).toBe(id);
      expect(created.ReplicationGroup.Status).toBe("creating");
      expect(created.ReplicationGroup.MemberClusters).toEqual(members);
      group = await eventually(
        async () => {
          const out = await target.api.send("DescribeReplicationGroups", { ReplicationGroupId: id });
          const [found] = out.ReplicationGroups;
          if (found.Status === "create-failed") throw new Error("create-failed");
          return found.Status === "available" ? found : undefined;
        },
        60_000,
        `${id} available through the SDK`,
        100,
      );
      expectAvailableGroup(group, id, members);
      expect(await runningNodes(target)).toEqual(expect.arrayContaining(members.map((member) => `${member}-0001`)));
    });

    it("the member clusters are real Redis nodes of the engine version the catalog lists", async () => {
      const out = await target.api.send("DescribeCacheClusters", { ShowCacheNodeInfo: true });
      const clusters = out.CacheClusters.filter((cluster: any) => cluster.ReplicationGroupId === id);
      expect(clusters.map((cluster: any) => cluster.CacheClusterId)).toEqual(members);
      const { members: byId } = endpointsOf(group);
      for (const cluster of clusters) {
        expect(cluster.CacheClusterStatus).toBe("available");
        expect(cluster.Engine).toBe("redis");
        expect(cluster.EngineVersion).toBe(engineVersion.value);
        expect(cluster.NumCacheNodes).toBe(1);
        expect(cluster.CacheNodes).toHaveLength(1);
        expect(cluster.CacheNodes[0].CacheNodeStatus).toBe("available");
        expect(cluster.CacheNodes[0].Endpoint).toEqual(byId[cluster.CacheClusterId].endpoint);
        const info = await redisInfo(cluster.CacheNodes[0].Endpoint, "server");
        expect(info.redis_version).toBe(engineVersion.value);
      }
    });

    it("a SET on the PrimaryEndpoint is read back from both replicas and the ReaderEndpoint", async () => {
      await expectGroupEndpointsServe(group, "via-endpoint", "hello through the primary endpoint");
    });

    it("a SET on the primary node is read back from both replicas; INFO replication shows their links up", async () => {
      await expectReplicates(group, "greeting", "hello from the primary");
    });

    it("DescribeEvents tells the story in AWS wording (replication-group and cache-cluster sources)", async () => {
      const groupEvents = await target.api.send("DescribeEvents", { SourceType: "replication-group", SourceIdentifier: id });
      const messages = groupEvents.Events.map((event: any) => event.Message);
      expect(messages[0]).toBe(`Replication group ${id} created`);
      expect(messages).toContain(`Replication group ${id} is available`);
      for (const event of groupEvents.Events) {
        expect(event.SourceType).toBe("replication-group");
        expect(event.SourceIdentifier).toBe(id);
        expect(event.Date).toBeInstanceOf(Date);
        expect(Date.now() - event.Date.getTime()).toBeLessThan(10 * 60_000);
      }
      for (const member of members) {
        const clusterEvents = await target.api.send("DescribeEvents", { SourceType: "cache-cluster", SourceIdentifier: member });
        expect(clusterEvents.Events.map((event: any) => event.Message)).toEqual([expect.stringMatching(/^Added cache node 0001 in availability zone us-east-1[a-z]$/)]);
        expect(clusterEvents.Events[0].SourceType).toBe("cache-cluster");
      }
      // Filtering by type alone lists only that type.
      const all = await target.api.send("DescribeEvents", { SourceType: "cache-cluster" });
      expect(all.Events.length).toBeGreaterThanOrEqual(3);
      expect(new Set(all.Events.map((event: any) => event.SourceType))).toEqual(new Set(["cache-cluster"]));
    });

    it("IncreaseReplicaCount to 3 replicas: modifying, then available with a new replica that replicates", async () => {
      const before = await nodeIdentity(target, `${members[0]}-0001`);
      const out = await target.api.send("IncreaseReplicaCount", { ReplicationGroupId: id, NewReplicaCount: 3, ApplyImmediately: true });
      expect(out.ReplicationGroup.Status).toBe("modifying");
      expect(out.ReplicationGroup.MemberClusters).toEqual(memberIds(id, 4));
      group = await target.api.waitGroup(id);
      expectAvailableGroup(group, id, memberIds(id, 4));
      const added = endpointsOf(group).members[`${id}-004`];
      expect(added.role).toBe("replica");
      expect(await nodeIdentity(target, `${id}-004-0001`)).toBeDefined();
      // Data written before the new replica existed reaches it, and so does new data.
      await waitForValue(added.endpoint, "greeting", "hello from the primary");
      await expectReplicates(group, "after-increase", "4 nodes");
      // The primary was not restarted.
      expect(await nodeIdentity(target, `${members[0]}-0001`)).toBe(before);
      const events = await target.api.events("replication-group", id);
      expect(events.map((event) => event.Message)).toContain(`Increasing replica count of replication group ${id} to 3`);
      expect((await target.api.events("cache-cluster", `${id}-004`)).map((event) => event.Message)).toEqual([
        expect.stringMatching(/^Added cache node 0001 in availability zone us-east-1[a-z]$/),
      ]);
    });

    it("DecreaseReplicaCount with NewReplicaCount: modifying, then available; the removed node is really gone", async () => {
      const identities = Object.fromEntries(
        await Promise.all(memberIds(id, 4).map(async (member) => [member, await nodeIdentity(target, `${member}-0001`)] as const)),
      );
      const removedPort = endpointsOf(group).members[`${id}-004`].endpoint.Port;
      const response = await target.api.rest("POST", `${GROUPS}/${id}/decrease-replica-count`, { NewReplicaCount: 2, ApplyImmediately: true });
      expect(response.status).toBe(200);
      expect(response.body.ReplicationGroup.Status).toBe("modifying");
      group = await target.api.waitGroup(id);
      expectAvailableGroup(group, id, memberIds(id, 3));
      expect(await nodeGone(target, `${id}-004-0001`, identities[`${id}-004`])).toBe(true);
      expect(await runningNodes(target)).not.toContain(`${id}-004-0001`);
      for (const member of memberIds(id, 3)) expect(await nodeIdentity(target, `${member}-0001`)).toBe(identities[member]);
      await expect(redisCommand({ Address: "127.0.0.1", Port: removedPort }, "PING")).rejects.toThrow();
      await expectReplicates(group, "after-decrease", "3 nodes");
      expect((await target.api.events("cache-cluster", `${id}-004`)).map((event) => event.Message)).toContain("Cache cluster deleted");
    });

    it("DecreaseReplicaCount with ReplicasToRemove removes exactly that replica", async () => {
      const identities = Object.fromEntries(
        await Promise.all(memberIds(id, 3).map(async (member) => [member, await nodeIdentity(target, `${member}-0001`)] as const)),
      );
      const out = await target.api.send("DecreaseReplicaCount", { ReplicationGroupId: id, ReplicasToRemove: [`${id}-002`], ApplyImmediately: true });
      expect(out.ReplicationGroup.Status).toBe("modifying");
      group = await target.api.waitGroup(id);
      expect(group.MemberClusters).toEqual([`${id}-001`, `${id}-003`]);
      const { members: byId } = endpointsOf(group);
      expect(byId[`${id}-001`].role).toBe("primary");
      expect(byId[`${id}-003`].role).toBe("replica");
      expect(await nodeGone(target, `${id}-002-0001`, identities[`${id}-002`])).toBe(true);
      expect(await nodeIdentity(target, `${id}-001-0001`)).toBe(identities[`${id}-001`]);
      expect(await nodeIdentity(target, `${id}-003-0001`)).toBe(identities[`${id}-003`]);
      await expectReplicates(group, "after-remove", "2 nodes");
      await expect(target.api.send("DescribeCacheClusters", { CacheClusterId: `${id}-002` })).rejects.toMatchObject({ code: "CacheClusterNotFound", status: 404 });
    });

    it("RebootCacheCluster of a replica really restarts its node, which re-syncs", async () => {
      const replica = `${id}-003`;
      const node = `${replica}-0001`;
      const endpoint: Endpoint = endpointsOf(group).members[replica].endpoint;
      const runIdBefore = (await redisInfo(endpoint, "server")).run_id;
      const identityBefore = await nodeIdentity(target, node);
      const primaryIdentity = await nodeIdentity(target, `${id}-001-0001`);
      expect(runIdBefore).toMatch(/^[0-9a-f]{40}$/);

      const response = await target.api.rest("POST", `${CLUSTERS}/${replica}/reboot`, { CacheNodeIdsToReboot: ["0001"] });
      expect(response.status).toBe(200);
      expect(response.body.CacheCluster.CacheClusterStatus).toBe("rebooting cluster nodes");
      const cluster = await target.api.waitCluster(replica);
      expect(cluster.CacheNodes[0].CacheNodeStatus).toBe("available");

      expect((await redisInfo(endpoint, "server")).run_id).not.toBe(runIdBefore);
      const identityAfter = await nodeIdentity(target, node);
      expect(identityAfter).toBeDefined();
      expect(identityAfter).not.toBe(identityBefore);
      expect(await nodeIdentity(target, `${id}-001-0001`)).toBe(primaryIdentity);
      // The restarted replica follows the primary again: old data after the full sync, and new writes.
      await waitForLinkUp(endpoint);
      await waitForValue(endpoint, "greeting", "hello from the primary");
      await expectReplicates(await target.api.group(id), "after-reboot", "resynced");
      expect((await target.api.events("cache-cluster", replica)).map((event) => event.Message)).toContain("Cache node 0001 restarted");
    });

    it("after replicas were added, removed and rebooted, the PrimaryEndpoint and ReaderEndpoint still serve", async () => {
      await expectGroupEndpointsServe(await target.api.group(id), "after-changes", "endpoints follow");
    });
  });

  describe("created through plain HTTP with ?wait=true (as curl)", () => {
    const id = "http-rg";
    const members = memberIds(id, 3);
    let group: any;

    it("POST /v1/replication-groups?wait=true returns the group available", async () => {
      const response = await target.api.rest("POST", `${GROUPS}?wait=true`, {
        ReplicationGroupId: id,
        ReplicationGroupDescription: "made with curl",
        NumCacheClusters: 3,
        Tags: [{ Key: "team", Value: "cache" }],
      });
      expect(response.status).toBe(200);
      group = response.body.ReplicationGroup;
      expectAvailableGroup(group, id, members);
      expect(await target.api.group(id)).toEqual(JSON.parse(JSON.stringify(group)));
    });

    it("a SET on the PrimaryEndpoint is read back from both replicas and the ReaderEndpoint", async () => {
      await expectGroupEndpointsServe(group, "curl-endpoint-key", "curl-value");
    });

    it("a SET on the primary node is read back from both replicas; INFO replication shows their links up", async () => {
      await expectReplicates(group, "curl-key", "curl-value");
    });

    it("events of the group and of its members, via GET /v1/events", async () => {
      const groupEvents = await target.api.events("replication-group", id);
      expect(groupEvents.map((event) => event.Message)).toEqual([`Replication group ${id} created`, `Replication group ${id} is available`]);
      for (const event of groupEvents) expect(new Date(event.Date).toISOString()).toBe(event.Date);
      for (const member of members) {
        const events = await target.api.events("cache-cluster", member);
        expect(events).toEqual([
          { SourceIdentifier: member, SourceType: "cache-cluster", Message: expect.stringMatching(/^Added cache node 0001 in availability zone us-east-1[a-z]$/), Date: expect.any(String) },
        ]);
      }
    });

    it("CreateCacheCluster with ReplicationGroupId joins the group as a replica that replicates", async () => {
      await redisCommand(endpointsOf(group).members[members[0]].endpoint, "SET", "before-join", "already there");
      const created = await target.api.send("CreateCacheCluster", { CacheClusterId: "joiner", ReplicationGroupId: id });
      expect(created.CacheCluster.CacheClusterStatus).toBe("creating");
      expect(created.CacheCluster.ReplicationGroupId).toBe(id);
      expect((await target.api.group(id)).Status).toBe("modifying");

      const cluster = await target.api.waitCluster("joiner");
      expect(cluster.Engine).toBe("redis");
      expect(cluster.EngineVersion).toBe(engineVersion.value);
      expect(cluster.ReplicationGroupId).toBe(id);
      group = await target.api.waitGroup(id);
      expect(group.MemberClusters).toEqual([...members, "joiner"].sort());
      const joined = endpointsOf(group).members.joiner;
      expect(joined.role).toBe("replica");
      expect(joined.endpoint).toEqual(cluster.CacheNodes[0].Endpoint);
      await waitForValue(joined.endpoint, "before-join", "already there");
      const info = await waitForLinkUp(joined.endpoint);
      expect(info.role).toBe("slave");
      await expectReplicates(group, "after-join", "four members");
      expect(await nodeIdentity(target, "joiner-0001")).toBeDefined();
    });
  });
});
