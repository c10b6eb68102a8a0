import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ClusterConfig } from "../../src/proxy/auto-discovery.ts";
import { MemcachedConfigEndpoint } from "../../src/proxy/memcached-config-endpoint.ts";
import { closedWithin, exchangeOn, type NodeProcess, rawExchange, startMemcached } from "./nodes.ts";

const endsWith = (suffix: string) => (d: Buffer) => d.toString("latin1").endsWith(suffix);

function configReply(config: ClusterConfig): string {
  const nodes = [...config.nodes].sort((x, y) => (x.hostname < y.hostname ? -1 : 1)).map((n) => `${n.hostname}|${n.ip}|${n.port}`);
  const body = `${config.version}\n${nodes.join(" ")}\n`;
  return `CONFIG cluster 0 ${Buffer.byteLength(body)}\r\n${body}\r\nEND\r\n`;
}

describe("MemcachedConfigEndpoint", () => {
  let nodes: NodeProcess[];
  let endpoint: MemcachedConfigEndpoint;
  let config: ClusterConfig;
  let port: number;

  beforeAll(async () => {
    nodes = await Promise.all([startMemcached(), startMemcached()]);
    config = {
      version: 1,
      nodes: [
        { hostname: "mc.0002.cache.local", ip: "127.0.0.1", port: nodes[1].port },
        { hostname: "mc.0001.cache.local", ip: "127.0.0.1", port: nodes[0].port },
      ],
    };
    endpoint = new MemcachedConfigEndpoint({ host: "127.0.0.1", port: 0, getConfig: () => config });
    port = (await endpoint.listen()).port;
  });
  afterAll(async () => {
    await endpoint?.close();
    await Promise.all((nodes ?? []).map((n) => n.stop()));
  });

  it("answers config get cluster byte for byte", async () => {
    const reply = await rawExchange(port, "config get cluster\r\n", endsWith("END\r\n"));
    const body = `1\nmc.0001.cache.local|127.0.0.1|${nodes[0].port} mc.0002.cache.local|127.0.0.1|${nodes[1].port}\n`;
    const expected = `CONFIG cluster 0 ${body.length}\r\n${body}\r\nEND\r\n`;
    expect(reply.toString("latin1")).toBe(expected);
    expect(reply.toString("latin1")).toBe(configReply(config));
  });

  it("answers the legacy get AmazonElastiCache:cluster", async () => {
    const reply = (await rawExchange(port, "get AmazonElastiCache:cluster\r\n", endsWith("END\r\n"))).toString("latin1");
    expect(reply).toBe(configReply(config).replace("CONFIG cluster 0", "VALUE AmazonElastiCache:cluster 0"));
  });

  it("passes set/get through and keeps config replies in order on the same connection", async () => {
    const socket = net.connect(port, "127.0.0.1");
    try {
      await new Promise((r) => socket.once("connect", r));
      expect((await exchangeOn(socket, "set k 0 0 5\r\nhello\r\n", endsWith("\r\n"))).toString()).toBe("STORED\r\n");
      expect((await exchangeOn(socket, "get k\r\n", endsWith("END\r\n"))).toString()).toBe("VALUE k 0 5\r\nhello\r\nEND\r\n");
      // a data block that looks like protocol must not confuse either parser
      const tricky = "MN\r\nEND\r\nconfig get cluster\r\n";
      expect((await exchangeOn(socket, `set t 0 0 ${tricky.length}\r\n${tricky}\r\n`, endsWith("\r\n"))).toString()).toBe("STORED\r\n");

      // one pipelined burst: node replies and local replies must interleave in command order
      const burst = `get k\r\nconfig get cluster\r\nget t\r\nmn\r\nset n 0 0 2 noreply\r\nab\r\nconfig get cluster\r\nget n\r\nversion\r\n`;
      const expected =
        "VALUE k 0 5\r\nhello\r\nEND\r\n" +
        configReply(config) +
        `VALUE t 0 ${tricky.length}\r\n${tricky}\r\nEND\r\n` +
        "MN\r\n" +
        configReply(config) +
        "VALUE n 0 2\r\nab\r\nEND\r\n";
      const reply = (await exchangeOn(socket, burst, (d) => /VERSION [^\r]+\r\n$/.test(d.toString("latin1")))).toString("latin1");
      expect(reply.slice(0, expected.length)).toBe(expected);
      expect(reply.slice(expected.length)).toMatch(/^VERSION 1\.\d+\.\d+\r\n$/);

      // version changes show up on the next poll of the same connection
      config = { version: 2, nodes: [...config.nodes, { hostname: "mc.0003.cache.local", ip: "", port: 11213 }] };
      const polled = (await exchangeOn(socket, "config get cluster\r\n", endsWith("END\r\n"))).toString("latin1");
      expect(polled).toBe(configReply(config));
      expect(polled).toContain("\n2\n".slice(1));
      expect(polled).toContain("mc.0003.cache.local||11213\n\r\nEND\r\n");
    } finally {
      socket.destroy();
      config = { version: 2, nodes: config.nodes.slice(0, 2) };
    }
  });

  it("relays the binary protocol raw", async () => {
    // binary NOOP request: magic 0x80, opcode 0x0a, the rest zero
    const noop = Buffer.alloc(24);
    noop[0] = 0x80;
    noop[1] = 0x0a;
    const reply = await rawExchange(port, noop, (d) => d.length >= 24);
    expect(reply[0]).toBe(0x81);
    expect(reply[1]).toBe(0x0a);
    expect(reply.readUInt16BE(6)).toBe(0); // status: no error
  });

  it("config-only connections need no node; quit closes", async () => {
    const socket = net.connect(port, "127.0.0.1");
    await new Promise((r) => socket.once("connect", r));
    const reply = await exchangeOn(socket, "config get cluster\r\nconfig get cluster\r\n", (d) => d.toString().split("END\r\n").length === 3);
    expect(reply.toString("latin1")).toBe(configReply(config).repeat(2));
    const closed = closedWithin(socket, 2000);
    socket.write("quit\r\n");
    expect(await closed).toBe(true);
  });

  it("closes a connection whose node is down, and keeps serving", async () => {
    const dead = await startMemcached();
    await dead.stop();
    const lonely = new MemcachedConfigEndpoint({
      host: "127.0.0.1",
      port: 0,
      getConfig: () => ({ version: 1, nodes: [{ hostname: "gone", ip: "127.0.0.1", port: dead.port }] }),
    });
    const { port: p } = await lonely.listen();
    try {
      const socket = net.connect(p, "127.0.0.1");
      await new Promise((r) => socket.once("connect", r));
      const closed = closedWithin(socket, 3000);
      socket.write("get x\r\n");
      expect(await closed).toBe(true);
      const reply = await rawExchange(p, "config get cluster\r\n", endsWith("END\r\n"));
      expect(reply.toString("latin1")).toContain(`gone|127.0.0.1|${dead.port}`);
    } finally {
      await lonely.close();
    }
  });
});
