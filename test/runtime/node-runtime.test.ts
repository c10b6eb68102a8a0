/**
 * What every NodeRuntime must do, run against each (processes always; Docker, and Docker Swarm on
 * a one-node swarm made for the run, when Docker works, and always on CI): secrets that reach the engine and nothing else, TLS-only nodes, extra ports, data
 * files in and out, nodes that start as replicas and follow a new primary across restarts, and
 * nodes of another installation left alone. Real redis-server and memcached, real clients.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { ConnectionProfile } from "../../src/engines/connection.ts";
import { LineProbe, REDIS_PING } from "../../src/engines/line-probe.ts";
import { RedisAdmin } from "../../src/engines/redis-admin.ts";
import { probeOnce } from "../../src/runtime/readiness.ts";
import type { NodeHandle, NodeSpec } from "../../src/runtime/types.ts";
import { makeCertificates } from "../helpers/tls.ts";
import { runtimesUnderTest, type RuntimeKind } from "../helpers/nodes.ts";
import { makeHarness, type Harness } from "./harness.ts";
import { eventually } from "../helpers/eventually.ts";
import { closeRedisClients, freePorts as freePortsOn } from "./helpers.ts";

/** A password no shell, config file or label would carry unharmed. */
const PASSWORD = 'p4ss word "quoted" \\ back é';
const tmp = mkdtempSync(path.join(os.tmpdir(), "ecl-rt-files-"));
const admin = new RedisAdmin({ connectTimeoutMs: 1000, commandTimeoutMs: 3000 });
const probe = new LineProbe(REDIS_PING, 2000);

afterAll(async () => {
  await admin.close();
  probe.close();
  rmSync(tmp, { recursive: true, force: true });
});

afterEach(() => closeRedisClients());

function spec(name: string, hostPort: number, extra: Partial<NodeSpec> = {}): NodeSpec {
  return { name, engine: "redis", engineVersion: "7.0", hostPort, network: "rt-contract", maxMemoryMb: 64, ...extra };
}

const withPassword = (node: NodeHandle, password = PASSWORD): ConnectionProfile => ({ ...node.adminAddress, password });

/** INFO replication of a node as key/value pairs, over the admin client. */
async function replication(profile: ConnectionProfile): Promise<Record<string, string>> {
  const text = String(await admin.call(profile, "INFO", "replication"));
  return Object.fromEntries(text.split("\r\n").filter((line) => line.includes(":")).map((line) => line.split(":", 2) as [string, string]));
}

async function waitLinkUp(profile: ConnectionProfile): Promise<Record<string, string>> {
  return eventually(async () => {
    const info = await replication(profile);
    return info.master_link_status === "up" ? info : undefined;
  }, 20_000, "master_link_status:up");
}

/** Runs BGSAVE and waits until it has finished with every change saved. */
async function bgsave(profile: ConnectionProfile): Promise<void> {
  await admin.call(profile, "BGSAVE");
  await eventually(async () => {
    const text = String(await admin.call(profile, "INFO", "persistence"));
    return /rdb_bgsave_in_progress:0/.test(text) && /rdb_changes_since_last_save:0/.test(text) && /rdb_last_bgsave_status:ok/.test(text);
  }, 20_000, "BGSAVE done");
}

const underTest = await runtimesUnderTest();
const kinds: RuntimeKind[] = underTest.includes("docker") ? [...underTest, "swarm"] : underTest;

describe.each(kinds)("NodeRuntime contract (%s)", (kind) => {
  let h: Harness;
  // Swarm publishes on every address of the host: a port must be free on all of them.
  const freePorts = (n: number) => freePortsOn(n, kind === "swarm" ? "0.0.0.0" : "127.0.0.1");

  beforeAll(async () => {
    h = await makeHarness(kind, "rc");
  });

  afterAll(async () => {
    await h?.cleanup();
  });

  it("secret settings reach the engine, and no command line, metadata or log", async () => {
    const [port] = await freePorts(1);
    const node = await h.runtime.start(spec("sec-1", port, { secretSettings: { requirepass: PASSWORD } }));
    await expect(admin.ping(node.adminAddress)).rejects.toThrow(/NOAUTH/);
    expect(await admin.ping(withPassword(node))).toBeGreaterThanOrEqual(0);
    expect(await admin.configGet(withPassword(node), "requirepass")).toEqual({ requirepass: PASSWORD });
    // The health probe finds the node alive with and without the password; INFO needs it.
    await probe.probe(node.adminAddress);
    await probe.probe(withPassword(node));
    expect(await probe.ask(withPassword(node), "INFO replication\r\n")).toContain("role:master");
    await expect(probe.ask(node.adminAddress, "INFO replication\r\n")).rejects.toThrow(/NOAUTH/);
    // Readiness counts the refusal as an answer.
    expect(await probeOnce(node.adminAddress, "redis")).toBe(true);
    const exposed = await h.exposed("sec-1");
    expect(exposed).toContain("sec-1");
    expect(exposed).not.toContain("p4ss");
  });

  it("a TLS-only node is ready over TLS and reached by RedisAdmin, LineProbe and redis-cli --tls; a node asking for client certificates too", async () => {
    const certs = makeCertificates(["tls-1", "tls-2"]);
    const [port1, port2] = await freePorts(2);
    const node = await h.runtime.start(spec("tls-1", port1, { tlsOnly: true, files: certs.files, settings: certs.redisSettings("no") }));
    const profile: ConnectionProfile = { ...node.adminAddress, tls: { ca: certs.ca, servername: "localhost" } };
    expect(await admin.ping(profile)).toBeGreaterThanOrEqual(0);
    await probe.probe(profile);
    expect(await probe.ask(profile, "INFO replication\r\n")).toContain("role:master");
    expect(await probeOnce(node.adminAddress, "redis")).toBe(false); // plain TCP gets no answer
    const caFile = path.join(tmp, "ca.crt");
    writeFileSync(caFile, certs.ca);
    const cli = execFileSync("redis-cli", ["--tls", "--cacert", caFile, "-h", node.adminAddress.host, "-p", String(node.adminAddress.port), "PING"], { encoding: "utf8" });
    expect(cli.trim()).toBe("PONG");

    // tls-auth-clients yes: ready all the same (the engine's TLS alert is an answer); a profile with a client certificate gets in.
    const strict = await h.runtime.start(spec("tls-2", port2, { tlsOnly: true, files: certs.files, settings: certs.redisSettings("yes") }));
    const strictProfile: ConnectionProfile = { ...strict.adminAddress, tls: { ca: certs.ca, servername: "localhost", cert: certs.clientCert, key: certs.clientKey } };
    expect(await admin.ping(strictProfile)).toBeGreaterThanOrEqual(0);
    await probe.probe({ ...strict.adminAddress, tls: { ca: certs.ca, servername: "localhost" } });
  });

  it("extra ports: a cluster bus and a TLS listener beside the plain port, each handed to its setting and reported", async () => {
    const certs = makeCertificates(["ports-1"]);
    const [port, busPort, tlsPort] = await freePorts(3);
    const node = await h.runtime.start(
      spec("ports-1", port, {
        files: certs.files,
        settings: { ...certs.redisSettings("no"), "cluster-enabled": "yes" },
        extraPorts: [
          { name: "bus", hostPort: busPort, setting: "cluster-port" },
          { name: "tls", hostPort: tlsPort, setting: "tls-port" },
        ],
      }),
    );
    expect(Object.keys(node.ports).sort()).toEqual(["bus", "tls"]);
    expect(node.ports.tls.client.port).toBe(tlsPort);
    expect(node.ports.bus.client.port).toBe(busPort);
    const inside = await admin.configGet(node.adminAddress, "*-port");
    expect(inside["cluster-port"]).toBe(String(node.ports.bus.peer.port));
    expect(inside["tls-port"]).toBe(String(node.ports.tls.peer.port));
    expect(String(await admin.call(node.adminAddress, "CLUSTER", "INFO"))).toContain("cluster_state:");
    expect(await admin.ping({ ...node.ports.tls.admin, tls: { ca: certs.ca, servername: "localhost" } })).toBeGreaterThanOrEqual(0);
    const listed = (await h.runtime.list()).find((n) => n.name === "ports-1")!;
    expect(listed.ports).toEqual(node.ports);
  });

  it("data files: export after BGSAVE, start another node from it; a restart without one starts empty", async () => {
    const [portA, portB] = await freePorts(2);
    const specA = spec("data-a", portA);
    const a = await h.runtime.start(specA);
    const big = "x".repeat(200_000);
    await admin.call(a.adminAddress, "MSET", "k1", "v1", "k2", "v2", "big", big);
    await bgsave(a.adminAddress);
    const exported = path.join(tmp, "data-a.rdb");
    await h.runtime.exportDataFile("data-a", exported);
    expect(readFileSync(exported).subarray(0, 5).toString()).toBe("REDIS");

    const b = await h.runtime.start(spec("data-b", portB, { dataFile: exported }));
    expect(await admin.call(b.adminAddress, "MGET", "k1", "k2")).toEqual(["v1", "v2"]);
    expect(await admin.call(b.adminAddress, "STRLEN", "big")).toBe(big.length);

    await h.runtime.restart(specA);
    expect(await admin.call(a.adminAddress, "DBSIZE")).toBe(0);
    expect(await h.storageExists("data-a")).toBe(true);
    await expect(h.runtime.exportDataFile("no-such-node", path.join(tmp, "x.rdb"))).rejects.toMatchObject({ code: "NodeNotFound" });
  });

  it("a replica is a replica from its first answer, and a restart with a new primary follows it, never answering as a master", async () => {
    const [p1Port, p2Port, rPort] = await freePorts(3);
    const secrets = { requirepass: PASSWORD, masterauth: PASSWORD };
    const p1 = await h.runtime.start(spec("repl-p1", p1Port, { secretSettings: secrets }));
    const p2 = await h.runtime.start(spec("repl-p2", p2Port, { secretSettings: secrets }));
    await admin.call(withPassword(p1), "SET", "from", "p1");
    await admin.call(withPassword(p2), "SET", "from", "p2");

    const replicaSpec = spec("repl-r", rPort, { secretSettings: secrets, replicaOf: p1.peerAddress });
    const r = await h.runtime.start(replicaSpec);
    expect((await replication(withPassword(r))).role).toBe("slave");
    await waitLinkUp(withPassword(r));
    expect(await admin.call(withPassword(r), "GET", "from")).toBe("p1");

    // Sample the replica's role as fast as it answers, through the whole restart.
    const roles = new Set<string>();
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const info = await probe.ask(withPassword(r), "INFO replication\r\n").catch(() => undefined);
        const role = info && /role:(\w+)/.exec(info)?.[1];
        if (role) roles.add(role);
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    })();
    const restarted = await h.runtime.restart({ ...replicaSpec, replicaOf: p2.peerAddress });
    const info = await waitLinkUp(withPassword(restarted));
    sampling = false;
    await sampler;
    expect(roles).toEqual(new Set(["slave"]));
    expect([info.master_host, Number(info.master_port)]).toEqual([p2.peerAddress.host, p2.peerAddress.port]);
    expect(await admin.call(withPassword(restarted), "GET", "from")).toBe("p2");
    if (kind !== "process") expect(restarted.runtimeId).toBe(r.runtimeId); // the same container or service
    expect(await h.storageExists("repl-r")).toBe(true);
  });

  it("another installation's nodes are not listed, adopted or removed", async () => {
    const [port, otherPort] = await freePorts(2);
    const mine = await h.runtime.start(spec("own-1", port));
    const other = h.otherInstallation();
    expect((await other.list()).map((n) => n.name)).not.toContain("own-1");
    if (kind !== "process") {
      // Its own node of the same name is another container or service; removing it leaves ours.
      const theirs = await other.start(spec("own-1", otherPort));
      expect(theirs.runtimeId).not.toBe(mine.runtimeId);
      await other.remove("own-1");
    } else {
      // Same data directory: the node directory is ours, and the other installation may not touch it.
      await expect(other.start(spec("own-1", otherPort))).rejects.toMatchObject({ code: "Conflict" });
      await expect(other.remove("own-1")).rejects.toMatchObject({ code: "Conflict" });
    }
    expect(await admin.ping(mine.adminAddress)).toBeGreaterThanOrEqual(0);
    expect((await h.runtime.list()).find((n) => n.name === "own-1")?.running).toBe(true);
  });

  it("refuses a bad spec before creating anything", async () => {
    const [port] = await freePorts(1);
    const bad: Partial<NodeSpec>[] = [
      { name: "Bad_Name" },
      { name: "x".repeat(64) },
      { extraPorts: [{ name: "a", hostPort: port }] },
      { files: { "../escape": "x" } },
      { engine: "memcached", secretSettings: { requirepass: "x" } },
      { settings: { port: "1" } },
    ];
    for (const extra of bad) await expect(h.runtime.start(spec("bad-spec", port, extra))).rejects.toMatchObject({ code: "InvalidSpec" });
    expect((await h.runtime.list()).map((n) => n.name)).not.toContain("bad-spec");
  });
});
