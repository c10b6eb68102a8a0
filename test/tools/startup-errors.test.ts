/**
 * What a user can fix is said in one line, without a stack trace, and the control plane exits 2:
 * a busy API port, and ECL_RUNTIME=docker without a Docker engine.
 */
import { spawn } from "node:child_process";
import { copyFileSync, mkdtempSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, expect, it } from "vitest";
import { removeEverything } from "../helpers/cleanup.ts";
import { templateDatabase } from "../helpers/database.ts";

const root = path.resolve(import.meta.dirname, "../..");
const dataDirs: string[] = [];
afterAll(async () => {
  for (const dataDir of dataDirs) await removeEverything({ dataDir });
});

async function start(env: Record<string, string>): Promise<{ code: number | null; stderr: string; stdout: string }> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "ecl-start-"));
  // A migrated database, as the other tests' servers get: start-up stays quick on a busy machine.
  copyFileSync(await templateDatabase(), path.join(dataDir, "elasticache-local.db"));
  dataDirs.push(dataDir);
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    cwd: root,
    env: { ...process.env, ECL_DATA_DIR: dataDir, ECL_LOG_LEVEL: "warn", ECL_INSTANCE: `st${process.pid % 100000}`, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk) => (stdout += chunk));
  child.stderr.on("data", (chunk) => (stderr += chunk));
  return new Promise((resolve) => child.on("exit", (code) => resolve({ code, stderr, stdout })));
}

it("a busy API port: one line naming the port and ECL_PORT", async () => {
  const busy = net.createServer();
  await new Promise<void>((resolve) => busy.listen(0, "127.0.0.1", resolve));
  const { port } = busy.address() as net.AddressInfo;
  try {
    const result = await start({ ECL_PORT: String(port), ECL_RUNTIME: "process" });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`elasticache-local: port ${port} on 127.0.0.1 is already in use by another program: stop it, or set ECL_PORT to a free port\n`);
  } finally {
    busy.close();
  }
}, 180_000);

it("ECL_RUNTIME=docker without a Docker engine: one line saying what to do", async () => {
  const result = await start({ ECL_PORT: "0", ECL_RUNTIME: "docker", DOCKER_SOCKET: path.join(os.tmpdir(), `no-docker-${process.pid}.sock`) });
  expect(result.code).toBe(2);
  expect(result.stderr).toMatch(/^elasticache-local: ECL_RUNTIME=docker but no Docker engine answers at \S+no-docker-\d+\.sock: start it .* or set ECL_RUNTIME=auto to run nodes as local processes\n$/);
}, 180_000);
