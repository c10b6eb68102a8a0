/**
 * The emulator conveniences, through what a user runs: the readiness route (ready only while the
 * store and the node runtime answer: the Docker API is reached through a socket this test owns and
 * closes), the `elasticache-local` command (start, status, reset, stop) with ECL_EPHEMERAL (a
 * temporary data directory, everything removed at exit), and the reset route, with the AWS CLI
 * making the resources.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { nodeProcessesUnder, removeEverything } from "../helpers/cleanup.ts";
import { eventually } from "../helpers/eventually.ts";
import { dockerProblem, portRange } from "../helpers/nodes.ts";
import { freePort, startServer, type RunningServer } from "../helpers/server.ts";

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, "../..");
const cli = path.join(root, "scripts/cli.mjs");
const credentials = { AWS_ACCESS_KEY_ID: "test", AWS_SECRET_ACCESS_KEY: "test", AWS_DEFAULT_REGION: "us-east-1", AWS_PAGER: "", AWS_MAX_ATTEMPTS: "1" };

async function command(env: Record<string, string>, ...args: string[]): Promise<{ code: number; stdout: string }> {
  try {
    const { stdout } = await run(process.execPath, [cli, ...args], { env: { ...process.env, ...env }, cwd: os.tmpdir(), timeout: 180_000 });
    return { code: 0, stdout };
  } catch (error) {
    const failed = error as { code: number; stdout: string };
    return { code: failed.code, stdout: failed.stdout };
  }
}

describe("GET /health: readiness of the store and the runtime", () => {
  const dockerSocket = path.join(mkdtempSync(path.join(os.tmpdir(), "ecl-sock-")), "docker.sock");
  const sockets = new Set<net.Socket>();
  // The Docker API through a socket this test can take away, as a stopped engine would.
  const relay = net.createServer((client) => {
    const engine = net.connect("/var/run/docker.sock");
    sockets.add(client).add(engine);
    client.pipe(engine).pipe(client);
    const close = () => (client.destroy(), engine.destroy());
    client.on("error", close).on("close", close);
    engine.on("error", close).on("close", close);
  });
  let server: RunningServer | undefined;
  afterAll(async () => {
    await server?.cleanup();
    relay.close();
    for (const socket of sockets) socket.destroy();
  });

  it("answers 200 with both ready, and 503 naming the runtime once the Docker engine is gone", async () => {
    expect(await dockerProblem()).toBeUndefined();
    await new Promise<void>((resolve) => relay.listen(dockerSocket, resolve));
    const [from, to] = await portRange(4);
    server = await startServer({
      env: { ECL_RUNTIME: "docker", ECL_IMAGES: "local", DOCKER_SOCKET: dockerSocket, ECL_INSTANCE: `hlth${process.pid % 100000}`, ECL_PORT_RANGE: `${from}-${to}` },
    });
    const ready = await fetch(`${server.url}/health`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: "ok", store: "ok", runtime: { kind: "docker", status: "ok" } });

    await new Promise<void>((resolve) => relay.close(() => resolve()));
    for (const socket of sockets) socket.destroy();
    const gone = await fetch(`${server.url}/health`);
    expect(gone.status).toBe(503);
    const body = await gone.json();
    expect(body).toMatchObject({ status: "unavailable", store: "ok", runtime: { kind: "docker" } });
    expect(body.runtime.status).toMatch(/^unavailable: /);
  });
});

describe("npx elasticache-local start | status | reset | stop, ephemeral", () => {
  let env: Record<string, string>;
  let dataDir: string | undefined;
  afterAll(async () => {
    await command(env, "stop");
    if (dataDir) await removeEverything({ dataDir });
  });

  it("starts ready, resets to nothing, and leaves nothing behind when stopped", async () => {
    const [from, to] = await portRange(8);
    const port = await freePort();
    env = { ECL_PORT: String(port), ECL_RUNTIME: "process", ECL_EPHEMERAL: "true", ECL_INSTANCE: `cli${process.pid % 100000}`, ECL_PORT_RANGE: `${from}-${to}`, ECL_LOG_LEVEL: "info" };
    const started = await command(env, "start");
    expect(started.code, started.stdout).toBe(0);
    expect(started.stdout).toContain(`elasticache-local is ready at http://127.0.0.1:${port}`);
    const status = await command(env, "status");
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ status: "ok", store: "ok", runtime: { kind: "process", status: "ok" } });

    // The ephemeral data directory, named in the server's log.
    const log = readFileSync(path.join(os.tmpdir(), `elasticache-local-${port}.log`), "utf8");
    dataDir = /"caCertificate":"([^"]+)\/tls\/ca\.crt"/.exec(log)![1];
    expect(dataDir.startsWith(path.join(os.tmpdir(), "elasticache-local-"))).toBe(true);

    const aws = (...args: string[]) => run("aws", ["--endpoint-url", `http://127.0.0.1:${port}`, "elasticache", ...args], { env: { ...process.env, ...credentials } });
    await aws("create-cache-subnet-group", "--cache-subnet-group-name", "apps", "--cache-subnet-group-description", "apps", "--subnet-ids", "subnet-123", "subnet-456");
    await aws("create-replication-group", "--replication-group-id", "twice", "--replication-group-description", "d", "--num-cache-clusters", "2", "--cache-subnet-group-name", "apps");
    await aws("create-cache-cluster", "--cache-cluster-id", "mc", "--engine", "memcached", "--num-cache-nodes", "1");
    await eventually(() => nodeProcessesUnder(dataDir!).length === 3, 60_000, "three nodes running");
    // A snapshot (with its file) and a user parameter group go too.
    const text = async (...args: string[]) => (await aws(...args, "--output", "text")).stdout.trim();
    await eventually(async () => (await text("describe-replication-groups", "--replication-group-id", "twice", "--query", "ReplicationGroups[0].Status")) === "available", 60_000, "group available");
    await aws("create-snapshot", "--replication-group-id", "twice", "--snapshot-name", "before-reset");
    await eventually(async () => (await text("describe-snapshots", "--snapshot-name", "before-reset", "--query", "Snapshots[0].SnapshotStatus")) === "available", 60_000, "snapshot available");
    expect(readdirSync(path.join(dataDir, "snapshots"))).toEqual(["before-reset"]);
    await aws("create-cache-parameter-group", "--cache-parameter-group-name", "mine", "--cache-parameter-group-family", "redis7", "--description", "d");

    const reset = await command(env, "reset");
    expect(reset.code, reset.stdout).toBe(0);
    expect(JSON.parse(reset.stdout)).toEqual({ removed: { replicationGroups: 1, cacheClusters: 3, cacheSubnetGroups: 1 } });
    expect(nodeProcessesUnder(dataDir)).toEqual([]);
    expect(readdirSync(path.join(dataDir, "nodes"))).toEqual([]);
    const { stdout } = await aws("describe-cache-subnet-groups", "--query", "CacheSubnetGroups[].CacheSubnetGroupName", "--output", "text");
    expect(stdout.trim()).toBe("default");
    expect(await text("describe-snapshots", "--query", "length(Snapshots)")).toBe("0");
    expect(readdirSync(path.join(dataDir, "snapshots"))).toEqual([]);
    expect(await text("describe-cache-parameter-groups", "--query", "CacheParameterGroups[?!starts_with(CacheParameterGroupName, 'default.')].CacheParameterGroupName | length(@)")).toBe("0");

    // Something to remove at exit.
    await aws("create-cache-cluster", "--cache-cluster-id", "left", "--engine", "memcached", "--num-cache-nodes", "1");
    await eventually(() => nodeProcessesUnder(dataDir!).length === 1, 60_000, "a node running");
    const stopped = await command(env, "stop");
    expect(stopped.code, stopped.stdout).toBe(0);
    expect(nodeProcessesUnder(dataDir)).toEqual([]);
    expect(existsSync(dataDir)).toBe(false);
    expect((await command(env, "status")).code).toBe(3);
    rmSync(path.join(os.tmpdir(), `elasticache-local-${port}.log`), { force: true });
  }, 300_000);
});
