/**
 * Deletes leave nothing, with both runtimes: after DeleteReplicationGroup / DeleteCacheCluster
 * (REST ?wait=true, or the AWS SDK and polling) no node process (pid files and /proc under the
 * data dir) and no container (docker ps -a by the elasticache-local labels) is left, no port is
 * still claimed or listening, and new resources can take the very ports the deleted ones had:
 * the server gets only PORTS ports (ECL_PORT_RANGE), just enough for one 3-node group (3 nodes,
 * plus the primary and reader endpoints when those have ports of their own), so a create after a
 * delete succeeds only when the delete released every port.
 */
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../helpers/eventually.ts";
import { CLUSTERS, GROUPS } from "../helpers/clients.ts";
import { nodeProcessesUnder } from "../helpers/cleanup.ts";
import {
  closeRedisClients,
  containersOf,
  dockerNetworks,
  endpointsOf,
  memcachedGet,
  memcachedSet,
  memberIds,
  nodeDirs,
  nodeGone,
  nodeIdentity,
  portOpen,
  portRange,
  redisCommand,
  runningNodes,
  runtimesUnderTest,
  startNodeServer,
  waitForValue,
  type NodeServer,
} from "../helpers/nodes.ts";

const RUNTIMES = await runtimesUnderTest();
const PORTS = 5;

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
  let range: [number, number];
  beforeAll(async () => {
    range = await portRange(PORTS);
    target = await startNodeServer(runtime, { tag: "del", portRange: range });
  });
  afterAll(async () => target?.destroy());

  const inRange = (port: number) => port >= range[0] && port <= range[1];

  /** Creates a 3-node group with ?wait=true and checks that it replicates (through the member endpoints). */
  async function createGroup(id: string) {
    const response = await target.api.rest("POST", `${GROUPS}?wait=true`, { ReplicationGroupId: id, ReplicationGroupDescription: "d", NumCacheClusters: 3 });
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    const group = response.body.ReplicationGroup;
    expect(group.Status).toBe("available");
    const { members } = endpointsOf(group);
    const [primaryId, ...replicaIds] = memberIds(id, 3);
    await redisCommand(members[primaryId].endpoint, "SET", "k", id);
    for (const replica of replicaIds) await waitForValue(members[replica].endpoint, "k", id);
    for (const { port } of claimedPorts(target)) expect(inRange(port)).toBe(true);
    return group;
  }

  it("DeleteReplicationGroup ?wait=true: the group, its members, their nodes and ports are gone", async () => {
    const id = "doomed-rg";
    const members = memberIds(id, 3);
    const nodes = members.map((member) => `${member}-0001`);
    const group = await createGroup(id);
    const ports = claimedPorts(target).map((row) => row.port);
    expect(ports.length).toBeGreaterThanOrEqual(3);
    for (const member of Object.values(endpointsOf(group).members)) expect(ports).toContain(member.endpoint.Port);
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
    await expectNothingLeft(target, nodes, identities, ports);
    expect(claimedPorts(target)).toEqual([]);
    const messages = (await target.api.events("replication-group", id)).map((event) => event.Message);
    expect(messages.slice(-1)).toEqual([`Replication group ${id} deleted`]);
  });

  it("a new 3-node group fits in the same few ports: the delete released them all", async () => {
    await createGroup("reborn-rg");
  });

  it("DeleteCacheCluster of a replica member (AWS SDK): that node is gone, the group keeps the others", async () => {
    const group = await target.api.group("reborn-rg");
    const replicaPort = endpointsOf(group).members["reborn-rg-003"].endpoint.Port;
    const identities = await identitiesOf(target, ["reborn-rg-001-0001", "reborn-rg-002-0001", "reborn-rg-003-0001"]);
    const out = await target.api.send("DeleteCacheCluster", { CacheClusterId: "reborn-rg-003" });
    expect(out.CacheCluster.CacheClusterStatus).toBe("deleting");
    await eventually(async () => (await target.api.rest("GET", `${CLUSTERS}/reborn-rg-003`)).status === 404, 60_000, "reborn-rg-003 deleted");
    const after = await target.api.waitGroup("reborn-rg");
    expect(after.MemberClusters).toEqual(["reborn-rg-001", "reborn-rg-002"]);
    await expectNothingLeft(target, ["reborn-rg-003-0001"], identities, [replicaPort]);
    for (const node of ["reborn-rg-001-0001", "reborn-rg-002-0001"]) expect(await nodeIdentity(target, node)).toBe(identities[node]);
    const { members } = endpointsOf(after);
    expect(await redisCommand(members["reborn-rg-001"].endpoint, "GET", "k")).toBe("reborn-rg");
    expect((await target.api.events("cache-cluster", "reborn-rg-003")).map((event) => event.Message).slice(-1)).toEqual(["Cache cluster deleted"]);
  });

  it("DeleteReplicationGroup through the AWS SDK, then polling: gone as well", async () => {
    const ports = claimedPorts(target).map((row) => row.port);
    const nodes = ["reborn-rg-001-0001", "reborn-rg-002-0001"];
    const identities = await identitiesOf(target, nodes);
    const out = await target.api.send("DeleteReplicationGroup", { ReplicationGroupId: "reborn-rg" });
    expect(out.ReplicationGroup.Status).toBe("deleting");
    await eventually(async () => !(await target.api.groupExists("reborn-rg")), 60_000, "reborn-rg deleted");
    await expectNothingLeft(target, nodes, identities, ports);
    expect(claimedPorts(target)).toEqual([]);
  });

  it("DeleteCacheCluster ?wait=true of a Memcached cluster and of a standalone Redis: nothing left, the ports serve new clusters", async () => {
    const [{ CacheCluster: mc }, { CacheCluster: redisCluster }] = await Promise.all([
      target.api.ok("POST", `${CLUSTERS}?wait=true`, { CacheClusterId: "doomed-mc", Engine: "memcached", NumCacheNodes: 2 }),
      target.api.ok("POST", `${CLUSTERS}?wait=true`, { CacheClusterId: "doomed-redis", Engine: "redis" }),
    ]);
    expect(mc.CacheClusterStatus).toBe("available");
    expect(redisCluster.CacheClusterStatus).toBe("available");
    for (const node of mc.CacheNodes) await memcachedSet(node.Endpoint, "k", "v");
    const ports = claimedPorts(target).map((row) => row.port);
    const nodes = ["doomed-mc-0001", "doomed-mc-0002", "doomed-redis-0001"];
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
    await expectNothingLeft(target, nodes, identities, ports);
    expect(claimedPorts(target)).toEqual([]);
    expect((await target.api.events("cache-cluster", "doomed-mc")).map((event) => event.Message).slice(-1)).toEqual(["Cache cluster deleted"]);

    // Four Memcached nodes (and a configuration endpoint, if it has a port) need the whole range again.
    const again = await target.api.rest("POST", `${CLUSTERS}?wait=true`, { CacheClusterId: "reborn-mc", Engine: "memcached", NumCacheNodes: 4 });
    expect(again.status, JSON.stringify(again.body)).toBe(200);
    for (const node of again.body.CacheCluster.CacheNodes) {
      expect(inRange(node.Endpoint.Port)).toBe(true);
      expect(await memcachedGet(node.Endpoint, "k")).toBeUndefined();
      await memcachedSet(node.Endpoint, "k", "fresh");
    }
    expect((await target.api.rest("DELETE", `${CLUSTERS}/reborn-mc?wait=true`)).status).toBe(200);
  });

  it("after every delete the runtime holds nothing of this control plane and no port is claimed", async () => {
    expect((await target.api.ok("GET", GROUPS)).ReplicationGroups).toEqual([]);
    expect((await target.api.ok("GET", CLUSTERS)).CacheClusters).toEqual([]);
    expect(await runningNodes(target)).toEqual([]);
    expect(nodeProcessesUnder(target.dataDir)).toEqual([]);
    if (runtime === "process") expect(nodeDirs(target.dataDir)).toEqual([]);
    else expect(await containersOf(target.instance)).toEqual([]);
    expect(claimedPorts(target)).toEqual([]);
    for (let port = range[0]; port <= range[1]; port++) expect(await portOpen(port), `port ${port}`).toBe(false);
  });

  it("no delete was told as a failure: no warning in the log, no 'failed its health checks' event", async () => {
    const events = (await target.api.ok("GET", "/v1/events?Duration=1440")).Events as { Message: string }[];
    expect(events.length).toBeGreaterThan(0);
    expect(events.filter((event) => /failed its health checks|failed/i.test(event.Message))).toEqual([]);
    expect(target.server.output()).not.toMatch(/"level":40|"level":50|failed its health checks/);
  });

  // Docker only: registered for that runtime alone, so no run shows it as skipped.
  if (runtime === "docker") it("deleting a cache subnet group after its clusters removes its Docker network", async () => {
    await target.api.ok("POST", "/v1/cache-subnet-groups", { CacheSubnetGroupName: "net-del", CacheSubnetGroupDescription: "d", SubnetIds: ["subnet-0000aaaa"] });
    await target.api.ok("POST", `${CLUSTERS}?wait=true`, { CacheClusterId: "in-subnet", Engine: "memcached", CacheSubnetGroupName: "net-del" });
    expect(await dockerNetworks(target.instance)).toContain("net-del");
    expect((await target.api.rest("DELETE", `${CLUSTERS}/in-subnet?wait=true`)).status).toBe(200);
    expect((await target.api.rest("DELETE", "/v1/cache-subnet-groups/net-del")).status).toBe(200);
    expect(await containersOf(target.instance)).toEqual([]);
    await eventually(async () => !(await dockerNetworks(target.instance)).includes("net-del"), 3_000, "network removed");
  });
});
