/**
 * Encryption in transit turned on (and off) in place with ModifyReplicationGroup, on real Redis
 * nodes, with both runtimes. A plain group with data, and a client writing through its primary
 * endpoint during each step (no acknowledged write lost): step 1 (TransitEncryptionEnabled with
 * TransitEncryptionMode preferred) is pending while the group is modifying, then plain clients
 * and TLS clients (redis-cli --tls --cacert, ioredis with the CA) both reach the data through the
 * primary endpoint and replicas follow over TLS; step 2 (TransitEncryptionMode required) refuses
 * plain clients while TLS ones keep the data; a TestFailover after it promotes a replica that
 * serves TLS. Going back, required -> preferred -> off, serves plain clients again. A single-node
 * group keeps its data too, and a change whose control plane was killed is finished by the next.
 * Wrong orders answer AWS's codes and leave the group as it was.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../helpers/eventually.ts";
import { GROUPS } from "../helpers/clients.ts";
import { ContinuousWriter } from "../helpers/writer.ts";
import { downloadCa, endpointsOf, failOverAndRecover, runtimesUnderTest, startNodeServer, type Endpoint, type NodeServer } from "../helpers/nodes.ts";

const run = promisify(execFile);
const RUNTIMES = await runtimesUnderTest();
const KEYS = 200;

/** redis-cli over TLS verified with the CA; its reply (or error) as text. */
async function tlsCli(caFile: string, endpoint: Endpoint, ...command: string[]): Promise<string> {
  const { stdout, stderr } = await run("redis-cli", ["--tls", "--cacert", caFile, "-h", endpoint.Address, "-p", String(endpoint.Port), ...command], {
    timeout: 10_000,
  }).catch((error: { stdout?: string; stderr?: string }) => ({ stdout: error.stdout ?? "", stderr: error.stderr ?? "" }));
  return `${stdout}${stderr}`.trim();
}

const clients: Redis[] = [];
function client(endpoint: Endpoint, ca?: string): Redis {
  const redis = new Redis({
    host: endpoint.Address,
    port: endpoint.Port,
    ...(ca ? { tls: { ca } } : {}),
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 3_000,
    lazyConnect: true,
  });
  redis.on("error", () => undefined);
  clients.push(redis);
  return redis;
}

/** GET through a new connection (plain, or TLS with the CA); the error message when it fails. */
async function getVia(endpoint: Endpoint, key: string, ca?: string): Promise<string | null> {
  const redis = client(endpoint, ca);
  try {
    await redis.connect();
    return await redis.get(key);
  } catch (error) {
    return `error: ${(error as Error).message}`;
  } finally {
    redis.disconnect();
  }
}

/** How many of the keys exist, asked over TLS with the CA. */
async function existing(endpoint: Endpoint, ca: string, keys: string[]): Promise<number> {
  const redis = client(endpoint, ca);
  await redis.connect();
  try {
    let count = 0;
    for (let i = 0; i < keys.length; i += 500) count += await redis.exists(...keys.slice(i, i + 500));
    return count;
  } finally {
    redis.disconnect();
  }
}

afterAll(() => {
  for (const redis of clients) redis.disconnect();
});

describe.each(RUNTIMES)("in-place transit encryption (%s runtime)", (runtime) => {
  let node: NodeServer;
  let ca: string;
  let caFile: string;
  const id = "plain";

  beforeAll(async () => {
    node = await startNodeServer(runtime, { tag: "transit" });
    ({ ca, caFile } = await downloadCa(node));
    await node.api.ok("POST", `${GROUPS}?wait=true`, {
      ReplicationGroupId: id,
      ReplicationGroupDescription: "plain, then TLS",
      NumCacheClusters: 2,
      AutomaticFailoverEnabled: true,
    });
    const { primary } = endpointsOf(await node.api.group(id));
    const writer = client(primary);
    await writer.connect();
    const pipeline = writer.pipeline();
    for (let i = 0; i < KEYS; i++) pipeline.set(`key:${i}`, `value-${i}`);
    await pipeline.exec();
    writer.disconnect();
  });
  afterAll(() => node?.destroy());

  const modify = (input: Record<string, unknown>) => node.api.send("ModifyReplicationGroup", { ReplicationGroupId: id, ApplyImmediately: true, ...input });
  const codeOf = (input: Record<string, unknown>) =>
    modify(input).then(
      () => "no error",
      (error: { code: string; status?: number }) => `${error.code} ${error.status}`,
    );

  it("refuses the wrong orders with AWS's codes and changes nothing", async () => {
    expect(await codeOf({ TransitEncryptionEnabled: true, TransitEncryptionMode: "required" })).toBe("InvalidParameterCombination 400");
    expect(await codeOf({ TransitEncryptionEnabled: true })).toBe("InvalidParameterCombination 400");
    expect(await codeOf({ TransitEncryptionMode: "preferred" })).toBe("InvalidParameterCombination 400");
    expect(await codeOf({ TransitEncryptionEnabled: true, TransitEncryptionMode: "preferred", ReplicationGroupDescription: "both" })).toBe("InvalidParameterCombination 400");
    expect(await codeOf({ TransitEncryptionEnabled: true, TransitEncryptionMode: "always" })).toBe("InvalidParameterValue 400");
    const group = await node.api.group(id);
    expect(group).toMatchObject({ Status: "available", TransitEncryptionEnabled: false, Description: "plain, then TLS" });
    expect(group.PendingModifiedValues.TransitEncryptionEnabled).toBeUndefined();
  });

  it("step 1 (preferred): pending while modifying, then plain and TLS clients both reach the data through the primary endpoint", async () => {
    // A client writing through the primary endpoint all along: no write it saw acknowledged is lost.
    const writer = new ContinuousWriter(endpointsOf(await node.api.group(id)).primary.Port, "127.0.0.1", "w1:", { pauseMs: 2 });
    await writer.waitForAckAfter(performance.now(), 10_000);
    const { ReplicationGroup } = await modify({ TransitEncryptionEnabled: true, TransitEncryptionMode: "preferred" });
    expect(ReplicationGroup).toMatchObject({ Status: "modifying", TransitEncryptionEnabled: false });
    expect(ReplicationGroup.PendingModifiedValues).toMatchObject({ TransitEncryptionEnabled: true, TransitEncryptionMode: "preferred" });
    const group = await node.api.waitGroup(id);
    expect(group).toMatchObject({ TransitEncryptionEnabled: true, TransitEncryptionMode: "preferred" });
    expect(group.PendingModifiedValues.TransitEncryptionMode).toBeUndefined();
    await writer.waitForAckAfter(performance.now(), 15_000);
    const { acked } = await writer.stop();

    const { primary, reader, members } = endpointsOf(group);
    expect(await existing(primary, ca, acked.map((i) => `w1:${i}`))).toBe(acked.length);
    expect(await getVia(primary, "key:7")).toBe("value-7");
    expect(await getVia(primary, "key:7", ca)).toBe("value-7");
    expect(await tlsCli(caFile, primary, "GET", `key:${KEYS - 1}`)).toBe(`value-${KEYS - 1}`);
    expect(await existing(primary, ca, Array.from({ length: KEYS }, (_, i) => `key:${i}`))).toBe(KEYS);
    // Replicas replicate over TLS from the changed primary, and the reader endpoint takes both kinds of client.
    expect(await tlsCli(caFile, primary, "SET", "after-step-1", "yes")).toBe("OK");
    await eventually(async () => (await getVia(reader, "after-step-1", ca)) === "yes", 15_000, "replica in sync over TLS");
    expect(await getVia(reader, "key:3")).toBe("value-3");
    const replica = Object.values(members).find((member) => member.role === "replica")!.endpoint;
    const redis = client(replica);
    await redis.connect();
    expect(await redis.config("GET", "tls-replication")).toEqual(["tls-replication", "yes"]);
    expect(await redis.info("replication")).toMatch(/master_link_status:up/);
  });

  it("step 2 (required): plain clients are refused, TLS clients keep the data", async () => {
    const writer = new ContinuousWriter(endpointsOf(await node.api.group(id)).primary.Port, "127.0.0.1", "w2:", { pauseMs: 2, tls: { ca } });
    await writer.waitForAckAfter(performance.now(), 10_000);
    const { ReplicationGroup } = await modify({ TransitEncryptionMode: "required" });
    expect(ReplicationGroup).toMatchObject({ Status: "modifying", TransitEncryptionMode: "preferred" });
    expect(ReplicationGroup.PendingModifiedValues).toMatchObject({ TransitEncryptionEnabled: true, TransitEncryptionMode: "required" });
    const group = await node.api.waitGroup(id);
    expect(group).toMatchObject({ TransitEncryptionEnabled: true, TransitEncryptionMode: "required" });
    await writer.waitForAckAfter(performance.now(), 15_000);
    const { acked } = await writer.stop();
    const { primary, reader } = endpointsOf(group);
    expect(await existing(primary, ca, acked.map((i) => `w2:${i}`))).toBe(acked.length);
    expect(await getVia(primary, "key:7")).toMatch(/^error/);
    expect(await getVia(reader, "key:7")).toMatch(/^error/);
    expect(await getVia(primary, "key:7", ca)).toBe("value-7");
    expect(await tlsCli(caFile, primary, "GET", "after-step-1")).toBe("yes");
    expect(await existing(primary, ca, Array.from({ length: KEYS }, (_, i) => `key:${i}`))).toBe(KEYS);
    await eventually(async () => (await getVia(reader, "key:9", ca)) === "value-9", 15_000, "replica in sync over TLS");
  });

  it("fails over after step 2: a replica is promoted and serves the data over TLS", async () => {
    const { oldPrimary, ...after } = await failOverAndRecover(node.api, id);
    expect(after.members[oldPrimary].role).toBe("replica");
    expect(await tlsCli(caFile, after.primary, "GET", "key:11")).toBe("value-11");
    expect(await tlsCli(caFile, after.primary, "SET", "after-failover", "yes")).toBe("OK");
    await eventually(async () => (await tlsCli(caFile, after.members[oldPrimary].endpoint, "GET", "after-failover")) === "yes", 15_000, "recovered replica follows over TLS");
    expect(await getVia(after.primary, "key:11")).toMatch(/^error/);
  });

  it("goes back: disabling from required is refused, required -> preferred -> off serves plain clients again with the data", async () => {
    expect(await codeOf({ TransitEncryptionEnabled: false })).toBe("InvalidParameterCombination 400");
    await modify({ TransitEncryptionMode: "preferred" });
    const preferred = await node.api.waitGroup(id);
    expect(preferred).toMatchObject({ TransitEncryptionEnabled: true, TransitEncryptionMode: "preferred" });
    expect(await getVia(endpointsOf(preferred).primary, "after-failover")).toBe("yes");
    expect(await getVia(endpointsOf(preferred).primary, "after-failover", ca)).toBe("yes");

    const { ReplicationGroup } = await modify({ TransitEncryptionEnabled: false });
    expect(ReplicationGroup.PendingModifiedValues).toMatchObject({ TransitEncryptionEnabled: false });
    const off = await node.api.waitGroup(id);
    expect(off.TransitEncryptionEnabled).toBe(false);
    expect(off.TransitEncryptionMode).toBeUndefined();
    const { primary, reader } = endpointsOf(off);
    expect(await getVia(primary, "key:13")).toBe("value-13");
    expect(await getVia(primary, "key:13", ca)).toMatch(/^error/);
    expect(await getVia(primary, "after-step-1")).toBe("yes");
    await eventually(async () => (await getVia(reader, "after-failover")) === "yes", 15_000, "replica in sync over plain replication");
  });

  it("finishes a change its control plane was killed during, with the data", async () => {
    // Killed right after the call: wherever the reconciler was (saving, restarting, syncing), the next start finishes it.
    await modify({ TransitEncryptionEnabled: true, TransitEncryptionMode: "preferred" });
    await node.restart({ kill: true });
    const group = await node.api.waitGroup(id);
    expect(group).toMatchObject({ TransitEncryptionEnabled: true, TransitEncryptionMode: "preferred" });
    const { primary, reader } = endpointsOf(group);
    expect(await getVia(primary, "after-failover", ca)).toBe("yes");
    expect(await getVia(primary, "key:17")).toBe("value-17");
    expect(await existing(primary, ca, Array.from({ length: KEYS }, (_, i) => `key:${i}`))).toBe(KEYS);
    await eventually(async () => (await getVia(reader, "key:17", ca)) === "value-17", 15_000, "replica in sync over TLS");
  });

  it("keeps the data of a single-node group (no replica to copy it from) through step 1", async () => {
    const created = await node.api.ok("POST", `${GROUPS}?wait=true`, { ReplicationGroupId: "solo", ReplicationGroupDescription: "one node", NumCacheClusters: 1 });
    const before = endpointsOf(created.ReplicationGroup).primary;
    const writer = client(before);
    await writer.connect();
    await writer.set("only-copy", "kept");
    writer.disconnect();
    await node.api.send("ModifyReplicationGroup", { ReplicationGroupId: "solo", ApplyImmediately: true, TransitEncryptionEnabled: true, TransitEncryptionMode: "preferred" });
    const { primary } = endpointsOf(await node.api.waitGroup("solo"));
    expect(await getVia(primary, "only-copy")).toBe("kept");
    expect(await getVia(primary, "only-copy", ca)).toBe("kept");
  });
});
