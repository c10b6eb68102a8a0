/**
 * Two control planes of one installation on one PostgreSQL database (DATABASE_URL=postgresql://…),
 * started at the same moment on an empty database (both migrate it; Prisma's advisory lock lets
 * one apply the migrations). One runs the controllers, the other serves the API only
 * (ECL_CONTROLLERS=false), as the README asks until a leader lease exists. Both answer for the
 * same resources: of two concurrent CreateReplicationGroup calls of one id, one to each, exactly
 * one wins and the other is refused with ReplicationGroupAlreadyExists; the group the controlling
 * instance brings up is available through both, and a delete through the API-only one is carried
 * out by the other.
 */
import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { ApiError } from "../helpers/clients.ts";
import { postgresqlServer, stopPostgresqlServer } from "../helpers/databases.ts";
import { eventually } from "../helpers/eventually.ts";
import { endpointsOf, portRange, redis, startNodeServer, type NodeServer } from "../helpers/nodes.ts";

let controlling: NodeServer | undefined;
let apiOnly: NodeServer | undefined;

beforeAll(async () => {
  // An empty database, not a copy of the migrated template: the control planes migrate it themselves.
  const { url } = await (await postgresqlServer()).emptyDatabase();
  const range = await portRange();
  const env = { DATABASE_URL: url };
  [controlling, apiOnly] = await Promise.all([
    startNodeServer("process", { tag: "pgctl", portRange: range, env }),
    startNodeServer("process", { tag: "pgapi", portRange: range, env: { ...env, ECL_CONTROLLERS: "false" } }),
  ]);
});

afterAll(async () => {
  await apiOnly?.destroy();
  await controlling?.destroy();
  await stopPostgresqlServer();
});

const createInput = { ReplicationGroupId: "shared", ReplicationGroupDescription: "on PostgreSQL", NumCacheClusters: 2, AutomaticFailoverEnabled: true };

it("concurrent creates of one id on two instances: exactly one wins, the other gets ReplicationGroupAlreadyExists", async () => {
  const results = await Promise.allSettled([controlling!.api.send("CreateReplicationGroup", createInput), apiOnly!.api.send("CreateReplicationGroup", createInput)]);
  const won = results.filter((result) => result.status === "fulfilled");
  const lost = results.filter((result): result is PromiseRejectedResult => result.status === "rejected");
  expect(won).toHaveLength(1);
  expect(lost).toHaveLength(1);
  expect(lost[0].reason).toBeInstanceOf(ApiError);
  expect(lost[0].reason).toMatchObject({ code: "ReplicationGroupAlreadyExists", status: 400 });
  // One group in the shared database, seen alike by both.
  for (const server of [controlling!, apiOnly!]) {
    const { ReplicationGroups } = await server.api.send("DescribeReplicationGroups", {});
    expect(ReplicationGroups.map((group: { ReplicationGroupId: string }) => group.ReplicationGroupId)).toEqual(["shared"]);
  }
});

it("the controlling instance brings the group up; both report it; a delete through the API-only instance is carried out", async () => {
  const group = await controlling!.api.waitGroup("shared");
  const seen = await apiOnly!.api.group("shared");
  expect(seen.Status).toBe("available");
  expect(endpointsOf(seen)).toEqual(endpointsOf(group));
  const client = redis(endpointsOf(group).primary);
  expect(await client.set("k", "v")).toBe("OK");
  client.disconnect();
  // Every node was started by the controlling instance (the process runtime keeps them under its data directory).
  const nodesIn = (server: NodeServer) => (existsSync(path.join(server.dataDir, "nodes")) ? readdirSync(path.join(server.dataDir, "nodes")) : []);
  expect(nodesIn(controlling!)).toHaveLength(2);
  expect(nodesIn(apiOnly!)).toEqual([]);

  await apiOnly!.api.send("DeleteReplicationGroup", { ReplicationGroupId: "shared" });
  await eventually(async () => !(await apiOnly!.api.groupExists("shared")), 60_000, "shared deleted");
  expect(await controlling!.api.groupExists("shared")).toBe(false);
});
