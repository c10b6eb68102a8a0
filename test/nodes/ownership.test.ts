/**
 * Control planes keep to their own: a second one on the same data directory refuses to start
 * (and one may start again once the first is gone, however it went), and two on separate data
 * directories with the same ECL_INSTANCE on one Docker engine or process table each see, adopt
 * and remove only their own nodes, even with groups of the same id. Real servers, both runtimes.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer } from "../helpers/server.ts";
import { GROUPS } from "../helpers/clients.ts";
import { eventually, sleep } from "../helpers/eventually.ts";
import {
  closeRedisClients,
  endpointsOf,
  nodeIdentity,
  redisCommand,
  runtimesUnderTest,
  startNodeServer,
  type NodeServer,
} from "../helpers/nodes.ts";

const RUNTIMES = await runtimesUnderTest();

afterAll(() => closeRedisClients());

async function createGroup(target: NodeServer, id: string): Promise<any> {
  const response = await target.api.rest("POST", `${GROUPS}?wait=true`, { ReplicationGroupId: id, ReplicationGroupDescription: "d", NumCacheClusters: 2 });
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response.body.ReplicationGroup;
}

describe("one control plane per data directory", () => {
  let first: NodeServer;
  beforeAll(async () => {
    first = await startNodeServer("process", { tag: "lock" });
  });
  afterAll(async () => first?.destroy());

  it("a second control plane on the same data directory refuses to start with a one-line message; the first serves on", async () => {
    const refused = await startServer({ env: first.env, dataDir: first.dataDir }).then(
      (server) => server.cleanup().then(() => "started"),
      (error: Error) => error.message,
    );
    const lines = refused.split("\n").filter((line) => line.includes("elasticache-local:"));
    expect(lines).toEqual([
      `elasticache-local: the data directory ${first.dataDir} is in use by another control plane (pid ${first.server.process.pid}); stop it, or give this one another ECL_DATA_DIR`,
    ]);
    expect((await first.api.rest("GET", "/health")).status).toBe(200);
    expect((await first.api.rest("GET", GROUPS)).status).toBe(200);
  });

  it("once the holder is killed, a new control plane takes the directory over", async () => {
    await first.restart({ kill: true });
    expect((await first.api.rest("GET", GROUPS)).status).toBe(200);
  });
});

describe.each(RUNTIMES)("two installations with one instance name (%s runtime)", (runtime) => {
  let a: NodeServer;
  let b: NodeServer;
  beforeAll(async () => {
    a = await startNodeServer(runtime, { tag: "own" });
    b = await startNodeServer(runtime, { tag: "own", env: { ECL_INSTANCE: a.instance } });
  });
  afterAll(async () => {
    await b?.destroy();
    await a?.destroy();
  });

  it("each runs its own group of the same id, and neither removes, restarts or adopts the other's nodes", async () => {
    const groupA = await createGroup(a, "same");
    const nodes = ["same-001-0001", "same-002-0001"];
    const before = await Promise.all(nodes.map((node) => nodeIdentity(a, node)));
    await redisCommand(endpointsOf(groupA).primary, "SET", "owner", "a");

    const groupB = await createGroup(b, "same");
    await redisCommand(endpointsOf(groupB).primary, "SET", "owner", "b");
    // B's reconciler runs every 500 ms and removes nodes no row of its own owns; a restart of B
    // runs its start-up pass too. Give it several passes.
    await b.restart({ kill: true });
    await sleep(2_000);

    expect(await Promise.all(nodes.map((node) => nodeIdentity(a, node)))).toEqual(before);
    expect(await redisCommand(endpointsOf(groupA).primary, "GET", "owner")).toBe("a");
    expect((await a.api.group("same")).Status).toBe("available");
    await eventually(async () => (await b.api.group("same")).Status === "available", 20_000, "B's group available");
    expect(await redisCommand(endpointsOf(await b.api.group("same")).primary, "GET", "owner")).toBe("b");
    const events = await a.api.events("cache-cluster");
    expect(events.map((event) => event.Message).filter((message) => /Recovering|failed/.test(message))).toEqual([]);
  });
});
