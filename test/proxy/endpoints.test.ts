import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Address } from "../../src/proxy/address.ts";
import { createPrimaryEndpoint, createReaderEndpoint, ReplicationGroupEndpoints } from "../../src/proxy/endpoints.ts";
import { type NodeProcess, redisClient, startRedis } from "./nodes.ts";
import { eventually } from "../helpers/eventually.ts";

const local = (port: number): Address => ({ host: "127.0.0.1", port });

async function command(port: number, ...args: string[]): Promise<unknown> {
  const client = redisClient(port);
  try {
    await client.connect();
    return await client.call(args[0], ...args.slice(1));
  } finally {
    client.disconnect();
  }
}

async function role(port: number): Promise<string> {
  const info = String(await command(port, "INFO", "replication"));
  return /role:(\w+)/.exec(info)![1];
}

async function linked(port: number): Promise<boolean> {
  return /master_link_status:up/.test(String(await command(port, "INFO", "replication")));
}

/** Which node a connection landed on: its own tcp_port. */
async function nodePortOf(client: ReturnType<typeof redisClient>): Promise<number> {
  const info = String(await client.info("server"));
  return Number(/tcp_port:(\d+)/.exec(info)![1]);
}

describe("replication group endpoints", () => {
  let nodes: NodeProcess[];

  beforeAll(async () => {
    nodes = await Promise.all([startRedis(), startRedis(), startRedis()]);
    await command(nodes[1].port, "REPLICAOF", "127.0.0.1", String(nodes[0].port));
    await command(nodes[2].port, "REPLICAOF", "127.0.0.1", String(nodes[0].port));
    await eventually(async () => (await linked(nodes[1].port)) && (await linked(nodes[2].port)), 15_000, "replicas linked", 20);
  });
  afterAll(async () => {
    await Promise.all((nodes ?? []).map((n) => n.stop()));
  });

  it("reader spreads new connections over the replicas, and falls back to the primary without any", async () => {
    const [a, b, c] = nodes.map((n) => local(n.port));
    const reader = createReaderEndpoint({ host: "127.0.0.1", port: 0, targets: { primary: a, replicas: [b, c] } });
    const { port } = await reader.listen();
    const clients = Array.from({ length: 6 }, () => redisClient(port));
    try {
      await Promise.all(clients.map((cl) => cl.connect()));
      const landed = await Promise.all(clients.map(nodePortOf));
      expect(landed.filter((p) => p === b.port)).toHaveLength(3);
      expect(landed.filter((p) => p === c.port)).toHaveLength(3);
      expect(await clients[0].call("ROLE").then((r) => (r as string[])[0])).toBe("slave");

      // both replicas unhealthy: their connections are closed, new ones go to the primary
      reader.setTargets({ primary: a, replicas: [] });
      await eventually(() => reader.connectionCount() === 0, 5000, "replica connections closed", 20);
      const fallback = redisClient(port);
      await fallback.connect();
      expect(await nodePortOf(fallback)).toBe(a.port);
      fallback.disconnect();
    } finally {
      clients.forEach((cl) => cl.disconnect());
      await reader.close();
    }
  });

  it("primary endpoint follows a failover: old connections closed, a reconnecting client writes to the new primary", async () => {
    const [a, b, c] = nodes.map((n) => local(n.port));
    const primary = createPrimaryEndpoint({ host: "127.0.0.1", port: 0, targets: { primary: a, replicas: [b, c] } });
    const { port } = await primary.listen();
    const client = redisClient(port, { retryStrategy: () => 50 });
    try {
      await client.connect();
      expect(await client.set("before", "1")).toBe("OK");
      expect(await nodePortOf(client)).toBe(a.port);
      await eventually(async () => (await command(b.port, "GET", "before")) === "1", 5000, "replicated", 20);

      // promote b, demote a, repoint c, then tell the endpoint
      await command(b.port, "REPLICAOF", "NO", "ONE");
      await command(a.port, "REPLICAOF", "127.0.0.1", String(b.port));
      await command(c.port, "REPLICAOF", "127.0.0.1", String(b.port));
      const closed = new Promise((r) => client.once("close", r));
      primary.setTargets({ primary: b, replicas: [a, c] });
      await closed;
      expect(primary.connectionCount(a)).toBe(0);

      await eventually(() => client.status === "ready", 5000, "client reconnected", 20);
      expect(await client.set("after", "2")).toBe("OK");
      expect(await nodePortOf(client)).toBe(b.port);
      expect(await role(b.port)).toBe("master");
      expect(await command(b.port, "GET", "after")).toBe("2");
      await eventually(async () => (await command(a.port, "GET", "after")) === "2", 5000, "new primary replicates to old", 20);
    } finally {
      client.disconnect();
      await primary.close();
      // restore a as primary for other tests
      await command(a.port, "REPLICAOF", "NO", "ONE");
      await command(b.port, "REPLICAOF", "127.0.0.1", String(a.port));
      await command(c.port, "REPLICAOF", "127.0.0.1", String(a.port));
    }
  });

  it("ReplicationGroupEndpoints updates both endpoints at once; no primary closes connections", async () => {
    const [a, b] = nodes.map((n) => local(n.port));
    const group = new ReplicationGroupEndpoints({ host: "127.0.0.1", primaryPort: 0, readerPort: 0 });
    const ports = await group.listen();
    try {
      // no targets yet: connections are refused by closing them
      const early = redisClient(ports.primary.port, { retryStrategy: () => null, maxRetriesPerRequest: 0 });
      await expect(early.connect().then(() => early.ping())).rejects.toThrow();
      early.disconnect();

      group.setTargets({ primary: a, replicas: [b] });
      const writer = redisClient(ports.primary.port, { retryStrategy: () => null });
      const reader = redisClient(ports.reader.port, { retryStrategy: () => null });
      await Promise.all([writer.connect(), reader.connect()]);
      expect(await nodePortOf(writer)).toBe(a.port);
      expect(await nodePortOf(reader)).toBe(b.port);
      const closed = new Promise((r) => writer.once("close", r));
      group.setTargets({ primary: undefined, replicas: [b] });
      await closed;
      expect(reader.status).toBe("ready");
      writer.disconnect();
      reader.disconnect();
    } finally {
      await group.close();
    }
  });
});
