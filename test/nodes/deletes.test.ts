/**
 * Deletes leave nothing, with both runtimes: after DeleteReplicationGroup / DeleteCacheCluster
 * (REST ?wait=true, or the AWS SDK and polling) no node process (pid files and /proc under the
 * data dir) and no container (docker ps -a by the elasticache-local labels) is left, no port is
 * still claimed or listening, and a new resource can take the very ports the deleted one had.
 */
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CLUSTERS,
  GROUPS,
  closeRedisClients,
  containersOf,
  dockerNetworks,
  endpointsOf,
  eventually,
  memcachedGet,
  memcachedSet,
  memberIds,
  nodeDirs,
  nodeGone,
  nodeIdentity,
  nodeProcessesUnder,
  portOpen,
  redisCommand,
  runningNodes,
  runtimesUnderTest,
  startNodeServer,
  waitForValue,
  type NodeServer,
} from "../helpers/nodes.ts";

const RUNTIMES = await runtimesUnderTest();

afterAll(() => closeRedisClients());

/** Ports still handed out according to the store. */
function claimedPorts(target: NodeServer): { port: number; owner: string }[] {
  const db = new Database(target.server.databaseFile, { readonly: true, fileMustExist: true });
  try {
    return db.prepare('SELECT port, owner FROM "PortAllocation" ORDER BY port').all() as { port: number; owner: string }[];
  } finally {
    db.close();
  }
}

/** Nothing of `nodes` runs any more, and nothing listens on `ports`. */
async function expectNothingLeft(target: NodeServer, nodes: string[], identities: Record<string, string | undefined>, ports: number[]) {
  for (const node of nodes) expect(await nodeGone(target, node, identities[node]), `${node} is gone`).toBe(true);
  const running = await runningNodes(target);
  for (const node of nodes) expect(running).not.toContain(node);
  if (target.runtime === "process") {
    for (const node of nodes) expect(nodeDirs(target.dataDir)).not.toContain(node);
  } else {
    const containers = (await containersOf(target.instance)).map((container) => container.node);
    for (const node of nodes) expect(containers).not.toContain(node);
  }
  for (const port of ports) expect(await portOpen(port), `port ${port} closed`).toBe(false);
  const claimed = claimedPorts(target).map((row) => row.port);
  for (const port of ports) expect(claimed).not.toContain(port);
}

async function identitiesOf(target: NodeServer, nodes: string[]) {
  return Object.fromEntries(await Promise.all(nodes.map(async (node) => [node, await nodeIdentity(target, node)] as const)));
}

describe.each(RUNTIMES)("deletes leave nothing (%s runtime)", (runtime) => {
  let target: NodeServer;
  beforeAll(async () => {
    target = await startNodeServer(runtime, { tag: "del" });
  });
  afterAll(async () => target?.destroy());

  let groupPorts: number[] = [];

  it("DeleteReplicationGroup ?wait=true: the group, its members, their nodes and ports are gone", async () => {
    const id = "doomed-rg";
    const members = memberIds(id, 3);
    const nodes = members.map((member) => `${member}-0001`);
    const group = (await target.api.ok("POST", `${GROUPS}?wait=true`, { ReplicationGroupId: id, ReplicationGroupDescription: "d", NumCacheClusters: 3 })).ReplicationGroup;
    expect(group.Status).toBe("available");
    const { primary, members: byId } = endpointsOf(group);
    await redisCommand(primary, "SET", "k", "v");
    for (const member of members.slice(1)) await waitForValue(byId[member].endpoint, "k", "v");
    groupPorts = members.map((member) => byId[member].endpoint.Port);
    const identities = await identitiesOf(target, nodes);
    for (const node of nodes) expect(identities[node]).toBeDefined();

    const deleted = await target.api.rest("DELETE", `${GROUPS}/${id}?wait=true`);
    expect(deleted.status).toBe(200);
    expect(deleted.body.ReplicationGroup.Status).toBe("deleted");

    expect((await target.api.rest("GET", `${GROUPS}/${id}`)).body.Error.Code).toBe("ReplicationGroupNotFoundFault");
    for (const member of members) {
      const response = await target.api.rest("GET", `${CLUSTERS}/${member}`);
      expect(response.status).toBe(404);
      expect(response.body.Error.Code).toBe("CacheClusterNotFound");
    }
    await expectNothingLeft(target, nodes, identities, groupPorts);
    const messages = (await target.api.events("replication-group", id)).map((event) => event.Message);
    expect(messages.slice(-1)).toEqual([`Replication group ${id} deleted`]);
  });

  it("a new group can take the deleted group's port (Port = its old primary port)", async () => {
    const out = await target.api.ok("POST", `${GROUPS}?wait=true`, {
      ReplicationGroupId: "reborn-rg",
      ReplicationGroupDescription: "on old ports",
      NumCacheClusters: 2,
      Port: groupPorts[0],
    });
    const { primary, members } = endpointsOf(out.ReplicationGroup);
    expect(out.ReplicationGroup.Status).toBe("available");
    expect(primary.Port).toBe(groupPorts[0]);
    await redisCommand(primary, "SET", "again", "yes");
    await waitForValue(members["reborn-rg-002"].endpoint, "again", "yes");
  });

  it("DeleteCacheCluster of a replica member (AWS SDK): that node is gone, the group keeps the others", async () => {
    const group = await target.api.group("reborn-rg");
    const replicaPort = endpointsOf(group).members["reborn-rg-002"].endpoint.Port;
    const identities = await identitiesOf(target, ["reborn-rg-001-0001", "reborn-rg-002-0001"]);
    const out = await target.api.send("DeleteCacheCluster", { CacheClusterId: "reborn-rg-002" });
    expect(out.CacheCluster.CacheClusterStatus).toBe("deleting");
    await eventually(async () => (await target.api.rest("GET", `${CLUSTERS}/reborn-rg-002`)).status === 404, 60_000, "reborn-rg-002 deleted");
    const after = await target.api.waitGroup("reborn-rg");
    expect(after.MemberClusters).toEqual(["reborn-rg-001"]);
    await expectNothingLeft(target, ["reborn-rg-002-0001"], identities, [replicaPort]);
    expect(await nodeIdentity(target, "reborn-rg-001-0001")).toBe(identities["reborn-rg-001-0001"]);
    expect(await redisCommand(endpointsOf(after).primary, "GET", "again")).toBe("yes");
  });

  it("DeleteReplicationGroup through the AWS SDK, then polling: gone as well", async () => {
    const group = await target.api.group("reborn-rg");
    const ports = Object.values(endpointsOf(group).members).map((member) => member.endpoint.Port);
    const identities = await identitiesOf(target, ["reborn-rg-001-0001"]);
    const out = await target.api.send("DeleteReplicationGroup", { ReplicationGroupId: "reborn-rg" });
    expect(out.ReplicationGroup.Status).toBe("deleting");
    await eventually(async () => !(await target.api.groupExists("reborn-rg")), 60_000, "reborn-rg deleted");
    await expectNothingLeft(target, ["reborn-rg-001-0001"], identities, ports);
  });

  it("DeleteCacheCluster ?wait=true of a 3-node Memcached cluster and of a standalone Redis: nothing left, ports reusable", async () => {
    const mc = (await target.api.ok("POST", `${CLUSTERS}?wait=true`, { CacheClusterId: "doomed-mc", Engine: "memcached", NumCacheNodes: 3 })).CacheCluster;
    const redisCluster = (await target.api.ok("POST", `${CLUSTERS}?wait=true`, { CacheClusterId: "doomed-redis", Engine: "redis" })).CacheCluster;
    expect(mc.CacheClusterStatus).toBe("available");
    expect(redisCluster.CacheClusterStatus).toBe("available");
    const mcPorts = mc.CacheNodes.map((node: any) => node.Endpoint.Port);
    const redisPort = redisCluster.CacheNodes[0].Endpoint.Port;
    for (const node of mc.CacheNodes) await memcachedSet(node.Endpoint, "k", "v");
    const nodes = ["doomed-mc-0001", "doomed-mc-0002", "doomed-mc-0003", "doomed-redis-0001"];
    const identities = await identitiesOf(target, nodes);
    for (const node of nodes) expect(identities[node]).toBeDefined();

    const [mcDeleted, redisDeleted] = await Promise.all([
      target.api.rest("DELETE", `${CLUSTERS}/doomed-mc?wait=true`),
      target.api.rest("DELETE", `${CLUSTERS}/doomed-redis?wait=true`),
    ]);
    expect(mcDeleted.status).toBe(200);
    expect(mcDeleted.body.CacheCluster.CacheClusterStatus).toBe("deleted");
    expect(redisDeleted.body.CacheCluster.CacheClusterStatus).toBe("deleted");
    expect((await target.api.rest("GET", `${CLUSTERS}/doomed-mc`)).status).toBe(404);
    await expectNothingLeft(target, nodes, identities, [...mcPorts, redisPort]);
    expect((await target.api.events("cache-cluster", "doomed-mc")).map((event) => event.Message).slice(-1)).toEqual(["Cache cluster deleted"]);

    // The same ports serve new clusters.
    const again = (await target.api.ok("POST", `${CLUSTERS}?wait=true`, { CacheClusterId: "reborn-mc", Engine: "memcached", Port: mcPorts[0] })).CacheCluster;
    expect(again.CacheNodes[0].Endpoint.Port).toBe(mcPorts[0]);
    expect(await memcachedGet(again.CacheNodes[0].Endpoint, "k")).toBeUndefined();
    await memcachedSet(again.CacheNodes[0].Endpoint, "k", "fresh");
    const redisAgain = (await target.api.ok("POST", `${CLUSTERS}?wait=true`, { CacheClusterId: "reborn-redis", Engine: "redis", Port: redisPort })).CacheCluster;
    expect(redisAgain.CacheNodes[0].Endpoint.Port).toBe(redisPort);
    expect(await redisCommand(redisAgain.CacheNodes[0].Endpoint, "PING")).toBe("PONG");
    for (const id of ["reborn-mc", "reborn-redis"]) expect((await target.api.rest("DELETE", `${CLUSTERS}/${id}?wait=true`)).status).toBe(200);
  });

  it("after every delete the runtime holds nothing of this control plane and no port is claimed", async () => {
    expect((await target.api.ok("GET", GROUPS)).ReplicationGroups).toEqual([]);
    expect((await target.api.ok("GET", CLUSTERS)).CacheClusters).toEqual([]);
    expect(await runningNodes(target)).toEqual([]);
    expect(nodeProcessesUnder(target.dataDir)).toEqual([]);
    if (runtime === "process") expect(nodeDirs(target.dataDir)).toEqual([]);
    else expect(await containersOf(target.instance)).toEqual([]);
    expect(claimedPorts(target)).toEqual([]);
  });

  it.runIf(runtime === "docker")("deleting a cache subnet group after its clusters removes its Docker network", async () => {
    await target.api.ok("POST", "/v1/cache-subnet-groups", { CacheSubnetGroupName: "net-del", CacheSubnetGroupDescription: "d", SubnetIds: ["subnet-0000aaaa"] });
    await target.api.ok("POST", `${CLUSTERS}?wait=true`, { CacheClusterId: "in-subnet", Engine: "memcached", CacheSubnetGroupName: "net-del" });
    expect(await dockerNetworks(target.instance)).toContain(`${target.instance}-net-net-del`);
    expect((await target.api.rest("DELETE", `${CLUSTERS}/in-subnet?wait=true`)).status).toBe(200);
    expect((await target.api.rest("DELETE", "/v1/cache-subnet-groups/net-del")).status).toBe(200);
    expect(await containersOf(target.instance)).toEqual([]);
    await eventually(async () => !(await dockerNetworks(target.instance)).includes(`${target.instance}-net-net-del`), 10_000, "network removed");
  });
});
