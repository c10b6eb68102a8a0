/**
 * The control plane's CA as a user meets it: made on the first start in <data dir>/tls with its
 * path in the start-up log, served at GET /v1/tls/ca.pem (and in the OpenAPI document), the same
 * after a restart; a redis-server node given a certificate of that CA by the process runtime is
 * verified with the downloaded file by redis-cli --tls --cacert and by ioredis.
 */
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { Redis } from "ioredis";
import { afterAll, expect, it } from "vitest";
import { ProcessRuntime } from "../../src/runtime/process/index.ts";
import { CertificateAuthority, redisTls } from "../../src/tls/index.ts";
import { startServer, type RunningServer } from "../helpers/server.ts";
import { freePorts } from "../runtime/helpers.ts";

const run = promisify(execFile);
let server: RunningServer | undefined;
let runtime: ProcessRuntime | undefined;
afterAll(async () => {
  if (runtime) {
    for (const node of await runtime.list()) await runtime.remove(node.name);
    await runtime.close();
  }
  await server?.cleanup();
});

async function download(url: string): Promise<string> {
  const response = await fetch(`${url}/v1/tls/ca.pem`);
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toBe("application/x-pem-file");
  return response.text();
}

it("is made on first start, logged, downloadable, documented, kept across a restart, and verifies a node's certificate", async () => {
  server = await startServer({ env: { ECL_RUNTIME: "process", ECL_LOG_LEVEL: "info" } });
  const caFile = path.join(server.dataDir, "tls", "ca.crt");
  const first = await download(server.url);
  expect(first).toBe(readFileSync(caFile, "utf8"));
  expect(first).toMatch(/^-----BEGIN CERTIFICATE-----\n[\s\S]+\n-----END CERTIFICATE-----\n$/);
  expect(statSync(path.join(server.dataDir, "tls", "ca.key")).mode & 0o777).toBe(0o600);
  const logged = server.output().split("\n").filter((line) => line.includes('"caCertificate"')).map((line) => JSON.parse(line));
  expect(logged).toEqual([expect.objectContaining({ caCertificate: caFile, created: true })]);
  const document = await (await fetch(`${server.url}/openapi.json`)).json();
  expect(Object.keys(document.paths["/v1/tls/ca.pem"].get.responses[200].content)).toEqual(["application/x-pem-file"]);

  await server.stop();
  server = await startServer({ dataDir: server.dataDir, env: { ECL_RUNTIME: "process", ECL_LOG_LEVEL: "info" } });
  expect(await download(server.url)).toBe(first);
  expect(server.output()).toContain('"created":false');
  await server.stop();

  // A node with a certificate of that CA, verified with the downloaded copy.
  const downloaded = path.join(server.dataDir, "downloaded-ca.pem");
  writeFileSync(downloaded, first);
  const ca = await CertificateAuthority.open(path.join(server.dataDir, "tls"));
  const [port] = await freePorts(1);
  const tls = redisTls(ca.certificatePem, await ca.issue({ commonName: "ca-download-node", hosts: ["127.0.0.1", "localhost"] }));
  runtime = new ProcessRuntime({ dataDir: path.join(server.dataDir, "by-hand"), installationId: randomUUID(), redisServerPath: "redis-server", memcachedPath: "memcached" });
  await runtime.start({ name: "ca-download-node", engine: "redis", engineVersion: "7.0", hostPort: port, network: "ca", maxMemoryMb: 32, tlsOnly: true, files: tls.files, settings: tls.settings });
  const { stdout } = await run("redis-cli", ["--tls", "--cacert", downloaded, "-h", "127.0.0.1", "-p", String(port), "SET", "verified", "yes"], { encoding: "utf8" });
  expect(stdout.trim()).toBe("OK");
  const client = new Redis({ host: "localhost", port, tls: { ca: first }, lazyConnect: true, maxRetriesPerRequest: 0 });
  try {
    await client.connect();
    expect(await client.get("verified")).toBe("yes");
  } finally {
    client.disconnect();
  }
});
