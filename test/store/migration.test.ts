/**
 * A database of a previous version migrates with its data: a replication group's endpoint
 * ports and an interrupted failover move to its node group, endpoint port owners are renamed,
 * and the store reads it all back; an installation id already made is kept, one is made where
 * there was none. The database is made the way the previous version made it: its migrations
 * applied and recorded, its rows written as it wrote them. Two previous versions: before the
 * installation id (20261130000000_installation) and with it.
 */
import { createHash, randomUUID } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterAll, expect, it } from "vitest";
import { migrate, openDatabase } from "../../src/store/database.ts";
import { Store } from "../../src/store/index.ts";

const migrations = path.resolve(import.meta.dirname, "../../prisma/migrations");
/** The last migration of each previous version, and what is left to apply from there, in order. */
const VERSIONS = [
  {
    previous: "20261126010000_failover_and_node_addresses",
    pending: ["20261130000000_installation", "20261201000000_node_group_unit", "20261201020000_snapshots", "20261201030000_parameter_groups", "20261201100000_security", "20261201200000_cluster_mode", "20261201300000_rbac", "20261201400000_automatic_backups", "20261201500000_security_group_ids", "20261201600000_transit_change", "20261201610000_cluster_restore", "20261201700000_leader_epoch"],
  },
  { previous: "20261130000000_installation", pending: ["20261201000000_node_group_unit", "20261201020000_snapshots", "20261201030000_parameter_groups", "20261201100000_security", "20261201200000_cluster_mode", "20261201300000_rbac", "20261201400000_automatic_backups", "20261201500000_security_group_ids", "20261201600000_transit_change", "20261201610000_cluster_restore", "20261201700000_leader_epoch"] },
];

const dir = mkdtempSync(path.join(os.tmpdir(), "ecl-upgrade-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function previousVersionDatabase(file: string, previous: string): void {
  const db = new Database(file);
  db.exec(`CREATE TABLE "_prisma_migrations" ("id" TEXT PRIMARY KEY NOT NULL, "checksum" TEXT NOT NULL, "finished_at" DATETIME, "migration_name" TEXT NOT NULL,
    "logs" TEXT, "rolled_back_at" DATETIME, "started_at" DATETIME NOT NULL DEFAULT current_timestamp, "applied_steps_count" INTEGER UNSIGNED NOT NULL DEFAULT 0)`);
  for (const name of readdirSync(migrations).filter((entry) => entry <= previous && !entry.endsWith(".toml")).sort()) {
    const sql = readFileSync(path.join(migrations, name, "migration.sql"), "utf8");
    db.exec(sql);
    db.prepare(`INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, applied_steps_count) VALUES (?, ?, current_timestamp, ?, 1)`).run(
      randomUUID(),
      createHash("sha256").update(sql).digest("hex"),
      name,
    );
  }
  const now = new Date().toISOString();
  db.exec(`
    INSERT INTO CacheSubnetGroup (name, description, vpcId) VALUES ('default', 'd', 'vpc-1');
    INSERT INTO Subnet (subnetId, groupName, availabilityZone) VALUES ('subnet-1', 'default', 'us-east-1a');
    INSERT INTO ReplicationGroup (id, description, status, engine, engineVersion, cacheNodeType, port, subnetGroupName, parameterGroupName,
      automaticFailover, multiAz, primaryClusterId, primaryEndpointPort, readerEndpointPort, failover, updatedAt)
    VALUES ('orders', 'o', 'modifying', 'redis', '7.0.15', 'cache.t3.micro', 6379, 'default', 'default.redis7', 1, 0, 'orders-001', 21001, 21002,
      '{"from":"orders-001","to":"orders-002","test":true,"phase":"recover"}', '${now}');
    INSERT INTO NodeGroup (replicationGroupId, nodeGroupId, status) VALUES ('orders', '0001', 'available');
    INSERT INTO CacheCluster (id, replicationGroupId, nodeGroupId, status, engine, engineVersion, cacheNodeType, numCacheNodes, port, subnetGroupName,
      parameterGroupName, preferredAz, role, updatedAt)
    VALUES ('orders-001', 'orders', '0001', 'available', 'redis', '7.0.15', 'cache.t3.micro', 1, 6379, 'default', 'default.redis7', 'us-east-1a', 'replica', '${now}'),
           ('orders-002', 'orders', '0001', 'available', 'redis', '7.0.15', 'cache.t3.micro', 1, 6379, 'default', 'default.redis7', 'us-east-1a', 'primary', '${now}'),
           ('orders', NULL, NULL, 'available', 'memcached', '1.6.18', 'cache.t3.micro', 1, 11211, 'default', 'default.memcached1.6', 'us-east-1a', NULL, '${now}');
    INSERT INTO CacheNode (clusterId, nodeId, status, hostPort, runtimeName, healthy, az, adminHost, adminPort, peerHost, peerPort)
    VALUES ('orders-001', '0001', 'rebooting', 21003, 'orders-001-0001', 0, 'us-east-1a', '127.0.0.1', 21003, '127.0.0.1', 21003),
           ('orders-002', '0001', 'available', 21004, 'orders-002-0001', 1, 'us-east-1a', '127.0.0.1', 21004, '127.0.0.1', 21004),
           ('orders', '0001', 'available', 21005, 'orders-0001', 1, 'us-east-1a', '127.0.0.1', 21005, '127.0.0.1', 21005);
    UPDATE CacheCluster SET configEndpointPort = 21006 WHERE id = 'orders';
    INSERT INTO PortAllocation (port, owner) VALUES (21001, 'endpoint:orders:primary'), (21002, 'endpoint:orders:reader'),
      (21003, 'node:orders-001-0001'), (21004, 'node:orders-002-0001'), (21005, 'node:orders-0001'), (21006, 'endpoint:orders:configuration');
  `);
  db.close();
}

it.each(VERSIONS)("a database whose last migration is $previous migrates, keeping endpoints, roles, nodes and an interrupted failover", async ({ previous, pending }) => {
  const file = path.join(dir, `${previous}.db`);
  previousVersionDatabase(file, previous);
  const installed = previous >= "20261130000000_installation";
  if (installed) {
    const db = new Database(file);
    db.prepare(`INSERT INTO "Installation" (id) VALUES ('b3c1e0de-0000-4000-8000-000000000001')`).run();
    db.close();
  }
  expect(await migrate(`file:${file}`)).toEqual(pending);
  expect(await migrate(`file:${file}`)).toEqual([]);

  const store = new Store(openDatabase(`file:${file}`), { range: [21000, 21099], isFree: async () => true });
  try {
    const installation = await store.installation.id();
    if (installed) expect(installation).toBe("b3c1e0de-0000-4000-8000-000000000001");
    expect(await store.installation.id()).toBe(installation);

    const group = (await store.replicationGroups.get("orders"))!;
    expect(group.status).toBe("modifying");
    const [nodeGroup] = group.nodeGroups;
    expect(nodeGroup).toMatchObject({ id: "0001", primaryEndpointPort: 21001, readerEndpointPort: 21002 });
    expect(nodeGroup.failover).toEqual({ phase: "recover", from: "orders-001", to: "orders-002", test: true });
    expect(nodeGroup.members.map((member) => [member.id, member.role, member.nodes[0].status])).toEqual([
      ["orders-001", "replica", "rebooting"],
      ["orders-002", "primary", "available"],
    ]);
    expect(nodeGroup.members[1].nodes[0].admin).toEqual({ host: "127.0.0.1", port: 21004 });
    // Made before transit encryption and AUTH tokens: neither, on the group, its members and nodes.
    expect(group.security).toBeUndefined();
    expect(nodeGroup.members.map((member) => [member.security, member.nodes[0].tlsPort])).toEqual([
      [undefined, undefined],
      [undefined, undefined],
    ]);

    // The group and the Memcached cluster share an id: deleting the group releases only its own ports.
    await store.replicationGroups.remove("orders", "arn:orders", []);
    expect(await store.ports.isAvailable(21001)).toBe(true);
    expect(await store.ports.isAvailable(21006)).toBe(false);
    expect((await store.cacheClusters.get("orders"))!.configEndpointPort).toBe(21006);
  } finally {
    await store.close();
  }
});
