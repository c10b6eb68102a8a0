/**
 * The health monitor demotes a replica that claims to be a primary (an old primary come back),
 * but never the replica a failover is promoting. Its list of targets is read before the failover
 * changes the store, so the promoted replica answers master while the list still calls it a
 * replica of the old primary; demoting it then made it follow the old primary (dead, or restarted
 * empty) and copy its empty dataset: every write of the old primary's time was lost (CI, once).
 * Real redis-servers and a real SQLite store; the monitor as the control plane runs it.
 */
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HealthMonitor } from "../../src/controllers/health-monitor.ts";
import { LineProbe, MEMCACHED_VERSION, REDIS_PING } from "../../src/engines/line-probe.ts";
import { RedisAdmin } from "../../src/engines/redis-admin.ts";
import { openDatabase } from "../../src/store/database.ts";
import { Store } from "../../src/store/index.ts";
import { freshDatabase } from "../helpers/database.ts";
import { eventually } from "../helpers/eventually.ts";
import { redisClient, startRedis, type NodeProcess } from "../proxy/nodes.ts";
import { createDefaultSubnetGroup, groupSpec, portCounter } from "../store/fixtures.ts";

const GROUP = "demote";
const key = { replicationGroupId: GROUP, nodeGroupId: "0001" };

async function command(port: number, ...args: string[]): Promise<string> {
  // No ready check: it is an INFO call, and the monitor's INFO calls are counted.
  const client = redisClient(port, { enableReadyCheck: false });
  try {
    await client.connect();
    return String(await client.call(args[0], ...args.slice(1)));
  } finally {
    client.disconnect();
  }
}

/** INFO calls this test sent, by port: the node's count of INFO calls minus these is the monitor's. */
const ours = new Map<number, number>();
async function info(port: number, section: string): Promise<string> {
  ours.set(port, (ours.get(port) ?? 0) + 1);
  return command(port, "INFO", section);
}

const roleOf = async (port: number) => /role:(\w+)/.exec(await info(port, "replication"))![1];
/** INFO calls the monitor made (its role checks are INFO replication); a node's count leaves out the call that reads it. */
async function monitorInfoCalls(port: number): Promise<number> {
  const earlier = ours.get(port) ?? 0;
  const stats = await info(port, "commandstats");
  return Number(/cmdstat_info:calls=(\d+)/.exec(stats)?.[1] ?? 0) - earlier;
}

describe("the health monitor's demotion of a replica that answers master", () => {
  let primary: NodeProcess;
  let replica: NodeProcess;
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let store: Store;
  let monitor: HealthMonitor;
  const probes: LineProbe[] = [];
  const admin = new RedisAdmin();

  beforeAll(async () => {
    [primary, replica] = await Promise.all([startRedis(), startRedis()]);
    await command(replica.port, "REPLICAOF", "127.0.0.1", String(primary.port));
    database = await freshDatabase();
    store = new Store(openDatabase(database.url), { range: [45000, 45999], isFree: async () => true });
    await createDefaultSubnetGroup(store);
    await store.replicationGroups.create(groupSpec(GROUP, portCounter(45000)));
    // The store as a running group has it: member 001 the primary, 002 its replica, both available.
    for (const [clusterId, node] of [[`${GROUP}-001`, primary], [`${GROUP}-002`, replica]] as const) {
      const address = { host: "127.0.0.1", port: node.port };
      await store.nodes.setStatus({ clusterId, nodeId: "0001" }, "available", [], { runtimeId: `test-${node.port}`, admin: address, peer: address });
    }
    const nodeClosed = () => undefined;
    probes.push(new LineProbe(REDIS_PING, 500, nodeClosed), new LineProbe(MEMCACHED_VERSION, 500, nodeClosed));
    monitor = new HealthMonitor({
      store,
      redis: admin,
      redisProbe: probes[0],
      memcachedProbe: probes[1],
      intervalMs: 20,
      failureThreshold: 3,
      logger: pino({ level: "silent" }),
      onFailure: () => undefined,
    });
    monitor.start();
  });

  afterAll(async () => {
    monitor?.stop();
    for (const probe of probes) probe.close();
    await admin.close();
    await Promise.all([primary, replica].filter(Boolean).map((node) => node.stop()));
    database?.remove();
  });

  it("leaves the replica a failover is promoting alone, and demotes it once no failover is under way", async () => {
    // A failover of the node group is under way (elected: 002), and 002 has been promoted.
    await store.failovers.elect(key, { from: `${GROUP}-001`, to: `${GROUP}-002`, test: true }, undefined, []);
    await command(replica.port, "REPLICAOF", "NO", "ONE");
    const before = await monitorInfoCalls(replica.port);
    // Three role checks of the monitor while it answers master.
    await eventually(async () => (await monitorInfoCalls(replica.port)) - before >= 3, 20_000, "three role checks", 50);
    expect(await roleOf(replica.port)).toBe("master");

    // The failover is given up: the store calls 002 a replica of 001 again, and the monitor makes it one.
    await store.failovers.abandon(key, "promote", { failed: [], settle: true }, []);
    await eventually(async () => (await roleOf(replica.port)) === "slave", 20_000, "002 demoted", 50);
    expect(await info(replica.port, "replication")).toContain(`master_port:${primary.port}`);
  });
});
