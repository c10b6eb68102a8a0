import { randomBytes } from "node:crypto";
import net from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { fastForwardingAvailable, FIRST_BUFFER_SIZE } from "../../src/proxy/forwarding.ts";
import { type EndpointEvent, TcpEndpoint } from "../../src/proxy/tcp-endpoint.ts";
import { closedWithin, freePort, halfCloseExchange, type NodeProcess, rawExchange, redisClient, startRedis } from "./nodes.ts";
import { eventually } from "../helpers/eventually.ts";

const engines = fastForwardingAvailable ? (["fast", "portable"] as const) : (["portable"] as const);

it("the fast engine is available on this Node.js", () => {
  expect(fastForwardingAvailable).toBe(true);
});

describe.each(engines)("TcpEndpoint (%s engine)", (engine) => {
  let redis: NodeProcess;
  const endpoints: TcpEndpoint[] = [];
  const make = (pick: () => { host: string; port: number } | undefined, events?: EndpointEvent[]) => {
    const endpoint = new TcpEndpoint({ host: "127.0.0.1", port: 0, pick, forwarding: engine, onEvent: (e) => events?.push(e) });
    endpoints.push(endpoint);
    return endpoint;
  };

  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });
  afterEach(async () => {
    await Promise.all(endpoints.splice(0).map((e) => e.close()));
  });

  it("forwards redis commands, reports its port and engine", async () => {
    const endpoint = make(() => ({ host: "127.0.0.1", port: redis.port }));
    const address = await endpoint.listen();
    expect(address.port).toBeGreaterThan(0);
    expect(endpoint.forwardingEngine).toBe(engine);
    const client = redisClient(address.port);
    try {
      await client.connect();
      expect(await client.set("k", "v")).toBe("OK");
      expect(await client.get("k")).toBe("v");
      // large values cross many reads and async writes, and the fast engine's move from its small
      // first buffer to the full one; varied bytes, so a chunk overwritten or out of order shows
      const big = randomBytes(1536 * 1024 + 7).toString("hex");
      await client.set("big", big);
      expect(await client.get("big")).toBe(big);
      // pipelined burst keeps order
      const pipeline = client.pipeline();
      for (let i = 0; i < 2000; i++) pipeline.incr("counter");
      const results = await pipeline.exec();
      expect(results?.at(-1)?.[1]).toBe(2000);
      expect(endpoint.connectionCount()).toBe(1);
      // values around the small first buffer's size, on fresh connections (each starts small)
      for (const size of [FIRST_BUFFER_SIZE - 40, FIRST_BUFFER_SIZE - 14, FIRST_BUFFER_SIZE, FIRST_BUFFER_SIZE + 1, 2 * FIRST_BUFFER_SIZE + 3]) {
        const fresh = redisClient(address.port);
        try {
          await fresh.connect();
          const value = randomBytes(size).toString("base64").slice(0, size);
          await fresh.set(`sized${size}`, value);
          expect(await fresh.get(`sized${size}`)).toBe(value);
        } finally {
          fresh.disconnect();
        }
      }
    } finally {
      client.disconnect();
    }
    await eventually(() => endpoint.connectionCount() === 0, 5000, "connection released", 20);
  });

  it("relays a half-close: request sent then FIN still gets its reply", async () => {
    const endpoint = make(() => ({ host: "127.0.0.1", port: redis.port }));
    const { port } = await endpoint.listen();
    const reply = await halfCloseExchange(port, "PING\r\nECHO hello\r\n");
    expect(reply).toBe("+PONG\r\n$5\r\nhello\r\n");
    await eventually(() => endpoint.connectionCount() === 0, 5000, "connection released", 20);
  });

  it("closes the client when pick returns undefined", async () => {
    const events: EndpointEvent[] = [];
    const endpoint = make(() => undefined, events);
    const { port } = await endpoint.listen();
    const socket = net.connect(port, "127.0.0.1");
    expect(await closedWithin(socket, 2000)).toBe(true);
    expect(events.map((e) => e.type)).toContain("no-upstream");
    expect(endpoint.connectionCount()).toBe(0);
  });

  it("closes the client when the upstream is down, and keeps serving", async () => {
    const events: EndpointEvent[] = [];
    const deadPort = await freePort();
    let target = { host: "127.0.0.1", port: deadPort };
    const endpoint = make(() => target, events);
    const { port } = await endpoint.listen();
    const socket = net.connect(port, "127.0.0.1");
    expect(await closedWithin(socket, 3000)).toBe(true);
    expect(events.some((e) => e.type === "connect-failed")).toBe(true);
    expect(endpoint.connectionCount()).toBe(0);
    target = { host: "127.0.0.1", port: redis.port };
    const reply = await rawExchange(port, "PING\r\n", (d) => d.toString().includes("\r\n"));
    expect(reply.toString()).toBe("+PONG\r\n");
  });

  it("survives the upstream dying mid-connection", async () => {
    const other = await startRedis();
    try {
      const endpoint = make(() => ({ host: "127.0.0.1", port: other.port }));
      const { port } = await endpoint.listen();
      const socket = net.connect(port, "127.0.0.1");
      await new Promise((r) => socket.once("connect", r));
      await eventually(() => endpoint.connectionCount() === 1, 10_000, "a connection", 20);
      const closed = closedWithin(socket, 5000);
      await other.stop();
      expect(await closed).toBe(true);
      await eventually(() => endpoint.connectionCount() === 0, 5000, "connection released", 20);
    } finally {
      await other.stop();
    }
  });

  it("closeConnectionsTo closes only the connections to that upstream", async () => {
    const second = await startRedis();
    try {
      let next = 0;
      const targets = [redis.port, second.port].map((p) => ({ host: "127.0.0.1", port: p }));
      const endpoint = make(() => targets[next++ % 2]);
      const { port } = await endpoint.listen();
      const clients = [redisClient(port, { retryStrategy: () => null }), redisClient(port, { retryStrategy: () => null })];
      await Promise.all(clients.map((c) => c.connect()));
      await Promise.all(clients.map((c) => c.ping()));
      expect(endpoint.connectionCount()).toBe(2);
      expect(endpoint.connectionCount(targets[1])).toBe(1);
      const closedOne = new Promise((r) => clients[1].once("close", r));
      expect(endpoint.closeConnectionsTo(targets[1])).toBe(1);
      await closedOne;
      expect(clients[0].status).toBe("ready");
      expect(await clients[0].ping()).toBe("PONG");
      expect(endpoint.closeConnectionsTo()).toBe(1);
      clients.forEach((c) => c.disconnect());
    } finally {
      await second.stop();
    }
  });

  it("close() stops the listener and drops connections", async () => {
    const endpoint = make(() => ({ host: "127.0.0.1", port: redis.port }));
    const { port } = await endpoint.listen();
    const socket = net.connect(port, "127.0.0.1");
    await new Promise((r) => socket.once("connect", r));
    await eventually(() => endpoint.connectionCount() === 1, 10_000, "a connection", 20);
    const closed = closedWithin(socket, 3000);
    await endpoint.close();
    expect(await closed).toBe(true);
    await expect(rawExchange(port, "PING\r\n", () => false, 1000)).rejects.toThrow();
  });

  it("rejects listen on a port in use instead of crashing", async () => {
    const endpoint = make(() => undefined);
    await expect(make(() => undefined).listen().then(() => endpoint.listen()).then(() => new TcpEndpoint({ host: "127.0.0.1", port: endpoints[1].address!.port, pick: () => undefined }).listen())).rejects.toThrow(/EADDRINUSE/);
  });
});
