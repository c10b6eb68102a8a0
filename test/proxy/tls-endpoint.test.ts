/**
 * Endpoints in front of real redis-server nodes that serve TLS with certificates of the
 * installation's CA (process runtime: a plain port with a `tls-port` beside it, or a TLS-only
 * port), on both forwarding engines. TLS passes end to end: "preferred" routes TLS clients to the
 * TLS port and plain clients to the plain one; "required" forwards only TLS and closes plain
 * connections without a reply; "off" passes TLS through to a TLS-only node as any bytes. Clients:
 * redis-cli --tls --cacert, ioredis with `tls: { ca }`, plain ioredis and raw sockets.
 */
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import type { TLSSocket } from "node:tls";
import { promisify } from "node:util";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ReplicationGroupEndpoints, TcpEndpoint, type EndpointEvent, type NodeUpstreams } from "../../src/proxy/index.ts";
import { fastForwardingAvailable } from "../../src/proxy/forwarding.ts";
import { ProcessRuntime } from "../../src/runtime/process/index.ts";
import type { NodeHandle, NodeSpec } from "../../src/runtime/types.ts";
import { CertificateAuthority, redisTls } from "../../src/tls/index.ts";
import { freePorts } from "../runtime/helpers.ts";
import { closedWithin, halfCloseExchange, rawExchange } from "./nodes.ts";
import { eventually } from "../helpers/eventually.ts";

const run = promisify(execFile);
const engines = fastForwardingAvailable ? (["fast", "portable"] as const) : (["portable"] as const);
const HOST = "127.0.0.1";
const tmp = mkdtempSync(path.join(os.tmpdir(), "ecl-tls-endpoint-"));
const runtime = new ProcessRuntime({ dataDir: tmp, installationId: randomUUID(), redisServerPath: "redis-server", memcachedPath: "memcached" });
let ca: CertificateAuthority;
let primary: NodeHandle;
let replica: NodeHandle;
let tlsOnly: NodeHandle;
const clients: Redis[] = [];

async function spec(name: string, extra: Partial<NodeSpec>): Promise<NodeSpec> {
  const [hostPort] = await freePorts(1);
  const tls = redisTls(ca.certificatePem, await ca.issue({ commonName: name, hosts: [HOST, "localhost", name] }));
  return { name, engine: "redis", engineVersion: "7.0", hostPort, network: "tls-endpoints", maxMemoryMb: 64, files: tls.files, settings: tls.settings, ...extra };
}

/** A node with its plain port and its TLS port (a replica follows its primary over TLS: tls-replication). */
async function dualNode(name: string, replicaOf?: NodeHandle): Promise<NodeHandle> {
  const [tlsPort] = await freePorts(1);
  return runtime.start(await spec(name, { extraPorts: [{ name: "tls", hostPort: tlsPort, setting: "tls-port" }], ...(replicaOf && { replicaOf: replicaOf.ports.tls!.peer }) }));
}

const both = (node: NodeHandle): NodeUpstreams => ({ plain: node.adminAddress, tls: node.ports.tls!.admin });

function client(port: number, tls: boolean): Redis {
  const redis = new Redis({ host: HOST, port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, ...(tls && { tls: { ca: ca.certificatePem } }) });
  redis.on("error", () => {});
  clients.push(redis);
  return redis;
}

const role = async (redis: Redis) => /role:(\w+)/.exec(String(await redis.info("replication")))![1];
const redisCli = (port: number, ...command: string[]) =>
  run("redis-cli", ["--tls", "--cacert", ca.certificatePath, "-h", HOST, "-p", String(port), ...command], { encoding: "utf8" }).then((r) => r.stdout.trim());

beforeAll(async () => {
  ca = await CertificateAuthority.open(path.join(tmp, "tls"));
  primary = await dualNode("tls-ep-primary");
  replica = await dualNode("tls-ep-replica", primary);
  tlsOnly = await runtime.start(await spec("tls-ep-only", { tlsOnly: true }));
  await eventually(async () => /master_link_status:up/.test(await redisCli(replica.ports.tls!.admin.port, "INFO", "replication")), 20_000, "replica linked");
}, 60_000);
afterAll(async () => {
  for (const node of await runtime.list()) await runtime.remove(node.name);
  await runtime.close();
  rmSync(tmp, { recursive: true, force: true });
});
afterEach(() => {
  for (const redis of clients.splice(0)) redis.disconnect();
});

describe.each(engines)("TLS through endpoints (%s engine)", (engine) => {
  const endpoints: Array<{ close(): Promise<void> }> = [];
  afterEach(async () => {
    await Promise.all(endpoints.splice(0).map((endpoint) => endpoint.close()));
  });

  async function groupEndpoints(transit: "preferred" | "required", events: EndpointEvent[] = []) {
    const group = new ReplicationGroupEndpoints({ host: HOST, primaryPort: 0, readerPort: 0, forwarding: engine, transit, onEvent: (event) => events.push(event) });
    endpoints.push(group);
    const ports = await group.listen();
    return { group, primaryPort: ports.primary.port, readerPort: ports.reader.port };
  }

  it("preferred: TLS clients reach the primary's TLS port and plain clients its plain port; the reader endpoint does the same with the replica", async () => {
    const { group, primaryPort, readerPort } = await groupEndpoints("preferred");
    group.setTargets({ primary: both(primary), replicas: [both(replica)] });

    expect(await redisCli(primaryPort, "SET", `tls-${engine}`, "via-endpoint")).toBe("OK");
    const overTls = client(primaryPort, true);
    await overTls.connect();
    expect((overTls.stream as TLSSocket).authorized).toBe(true);
    expect(await overTls.get(`tls-${engine}`)).toBe("via-endpoint");
    expect(await role(overTls)).toBe("master");
    // Large values and pipelines cross many reads after the first one.
    const big = "t".repeat(2 * 1024 * 1024 + 3);
    await overTls.set(`big-${engine}`, big);
    expect(await overTls.get(`big-${engine}`)).toBe(big);
    const pipeline = overTls.pipeline();
    for (let i = 0; i < 1000; i++) pipeline.incr(`n-${engine}`);
    expect((await pipeline.exec())?.at(-1)?.[1]).toBe(1000);

    const plain = client(primaryPort, false);
    await plain.connect();
    expect(await plain.get(`tls-${engine}`)).toBe("via-endpoint");
    const plainPipeline = plain.pipeline();
    for (let i = 0; i < 1000; i++) plainPipeline.incr(`n-${engine}`);
    expect((await plainPipeline.exec())?.at(-1)?.[1]).toBe(2000);
    expect(group.primary.connectionCount(primary.ports.tls!.admin)).toBe(1);
    expect(group.primary.connectionCount(primary.adminAddress)).toBe(1);

    const reader = client(readerPort, true);
    await reader.connect();
    expect(await role(reader)).toBe("slave");
    await eventually(async () => (await reader.get(`tls-${engine}`)) === "via-endpoint", 10_000, "replicated");
    expect(await redisCli(readerPort, "ROLE").then((out) => out.split("\n")[0])).toBe("slave");
  });

  it("preferred: a plain request sent with its FIN at once still gets its reply (the first bytes, then the half-close)", async () => {
    const { group, primaryPort } = await groupEndpoints("preferred");
    group.setTargets({ primary: both(primary), replicas: [] });
    const reply = await halfCloseExchange(primaryPort, "PING\r\nECHO hello\r\n");
    expect(reply).toBe("+PONG\r\n$5\r\nhello\r\n");
    await eventually(() => group.primary.connectionCount() === 0, 5000, "connection released");
  });

  it("required: only TLS is forwarded; plain connections are closed without a byte of reply", async () => {
    const events: EndpointEvent[] = [];
    const { group, primaryPort } = await groupEndpoints("required", events);
    group.setTargets({ primary: { tls: tlsOnly.adminAddress }, replicas: [] });

    expect(await redisCli(primaryPort, "PING")).toBe("PONG");
    const overTls = client(primaryPort, true);
    await overTls.connect();
    expect(await overTls.set("k", "v")).toBe("OK");

    const socket = net.connect(primaryPort, HOST);
    const received: Buffer[] = [];
    socket.on("data", (chunk) => received.push(chunk));
    socket.write("PING\r\n");
    expect(await closedWithin(socket, 5000)).toBe(true);
    expect(Buffer.concat(received).length).toBe(0);
    const plain = client(primaryPort, false);
    await expect(plain.connect().then(() => plain.ping())).rejects.toThrow();
    expect(events.filter((event) => event.type === "plain-refused").length).toBeGreaterThanOrEqual(2);
    expect(group.primary.connectionCount()).toBe(1);
  });

  it("preferred with a node that has no TLS port: TLS clients are closed (no-upstream), plain ones forwarded", async () => {
    const events: EndpointEvent[] = [];
    const { group, primaryPort } = await groupEndpoints("preferred", events);
    group.setTargets({ primary: primary.adminAddress, replicas: [] });
    const reply = await rawExchange(primaryPort, "PING\r\n", (data) => data.toString().endsWith("\r\n"));
    expect(reply.toString()).toBe("+PONG\r\n");
    await expect(redisCli(primaryPort, "PING")).rejects.toThrow();
    expect(events).toContainEqual(expect.objectContaining({ type: "no-upstream", transport: "tls" }));
  });

  it("a failover closes the old primary's TLS and plain connections alike; clients reconnect to the new primary", async () => {
    const { group, primaryPort } = await groupEndpoints("preferred");
    group.setTargets({ primary: both(primary), replicas: [] });
    const overTls = client(primaryPort, true);
    const plain = client(primaryPort, false);
    await Promise.all([overTls.connect(), plain.connect()]);
    expect(await role(overTls)).toBe("master");
    const closed = Promise.all([overTls, plain].map((redis) => new Promise((resolve) => redis.once("close", resolve))));
    group.setTargets({ primary: both(replica), replicas: [] });
    await closed;
    const again = client(primaryPort, true);
    await again.connect();
    expect(await role(again)).toBe("slave"); // the node now called primary (not promoted in this test)
  });

  it("clients that leave before sending anything, or are waiting when the endpoint closes, leave nothing behind", async () => {
    const endpoint = new TcpEndpoint({ host: HOST, port: 0, transit: "preferred", forwarding: engine, pick: () => primary.adminAddress });
    endpoints.push(endpoint);
    const { port } = await endpoint.listen();
    const quiet = net.connect(port, HOST);
    await new Promise((resolve) => quiet.once("connect", resolve));
    quiet.end();
    expect(await closedWithin(quiet, 5000)).toBe(true);
    const waiting = net.connect(port, HOST);
    await new Promise((resolve) => waiting.once("connect", resolve));
    await endpoint.close();
    expect(await closedWithin(waiting, 5000)).toBe(true);
    expect(endpoint.connectionCount()).toBe(0);
  });
});

it("transit off: TLS passes through untouched to a TLS-only node", async () => {
  const endpoint = new TcpEndpoint({ host: HOST, port: 0, pick: () => tlsOnly.adminAddress });
  try {
    const { port } = await endpoint.listen();
    expect(await redisCli(port, "PING")).toBe("PONG");
    const overTls = client(port, true);
    await overTls.connect();
    expect((overTls.stream as TLSSocket).authorized).toBe(true);
  } finally {
    await endpoint.close();
  }
});
