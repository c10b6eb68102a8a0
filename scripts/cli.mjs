#!/usr/bin/env node
/**
 * `npx elasticache-local start|status|reset|stop`: the control plane as a background service,
 * for scripts and test runs (package.json "bin"). Plain JavaScript with no dependency, so it runs
 * before anything is compiled; the server itself is `node --import tsx src/main.ts`.
 *
 *   start   starts the control plane in the background (log and pid file in the temporary
 *           directory, named by port) and returns once GET /health says it is ready;
 *           `start --foreground` runs it in this terminal instead
 *   status  prints GET /health (store and runtime readiness); exit 0 ready, 1 not ready, 3 not running
 *   reset   removes every resource and node (POST /_elasticache-local/reset)
 *   stop    stops the control plane it started (SIGTERM to its process group) and waits for it
 *
 * The same environment as the server: ECL_HOST, ECL_PORT, ECL_DATA_DIR (default ./data of the
 * current directory), ECL_EPHEMERAL, ... (see the README's configuration table).
 */
import { spawn } from "node:child_process";
import { closeSync, existsSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const host = process.env.ECL_HOST || "127.0.0.1";
const port = Number(process.env.ECL_PORT || 4599);
const url = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
const pidFile = path.join(os.tmpdir(), `elasticache-local-${port}.pid`);
const logFile = path.join(os.tmpdir(), `elasticache-local-${port}.log`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function health() {
  try {
    const response = await fetch(`${url}/health`);
    return { status: response.status, body: await response.json() };
  } catch {
    return undefined;
  }
}

const running = () => {
  if (!existsSync(pidFile)) return undefined;
  const pid = Number(readFileSync(pidFile, "utf8"));
  try {
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
};

function serverEnv() {
  const env = { ...process.env };
  // The server runs from the package's folder; the data directory stays where the user is.
  if (!env.ECL_DATA_DIR && env.ECL_EPHEMERAL !== "true") env.ECL_DATA_DIR = path.resolve("data");
  return env;
}

async function start(foreground) {
  const current = await health();
  if (current) {
    console.log(`elasticache-local is already running at ${url} (${current.body.status})`);
    return 0;
  }
  const args = ["--import", "tsx", path.join(root, "src/main.ts")];
  if (foreground) {
    const child = spawn(process.execPath, args, { cwd: root, env: serverEnv(), stdio: "inherit" });
    for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
    return new Promise((resolve) => child.on("exit", (code) => resolve(code ?? 1)));
  }
  const log = openSync(logFile, "w");
  const child = spawn(process.execPath, args, { cwd: root, env: serverEnv(), stdio: ["ignore", log, log], detached: true });
  closeSync(log);
  writeFileSync(pidFile, String(child.pid));
  let exited = false;
  child.on("exit", () => (exited = true));
  child.unref();
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline && !exited) {
    const answer = await health();
    if (answer?.status === 200) {
      console.log(`elasticache-local is ready at ${url} (runtime ${answer.body.runtime?.kind}; log ${logFile}; API docs ${url}/docs)`);
      return 0;
    }
    await sleep(200);
  }
  const tail = readFileSync(logFile, "utf8").trim().split("\n").slice(-5).join("\n");
  console.error(`elasticache-local did not become ready${exited ? " (it exited)" : ""}; the end of ${logFile}:\n${tail}`);
  return 1;
}

async function status() {
  const answer = await health();
  if (!answer) {
    console.log(`elasticache-local is not running at ${url}`);
    return 3;
  }
  console.log(JSON.stringify(answer.body, null, 2));
  return answer.status === 200 ? 0 : 1;
}

async function reset() {
  let response;
  try {
    response = await fetch(`${url}/_elasticache-local/reset`, { method: "POST" });
  } catch {
    console.error(`elasticache-local is not running at ${url}`);
    return 3;
  }
  console.log(JSON.stringify(await response.json(), null, 2));
  return response.ok ? 0 : 1;
}

async function stop() {
  const pid = running();
  if (pid === undefined) {
    console.log(`no elasticache-local started by this command runs on port ${port}`);
    return (await health()) ? 1 : 0;
  }
  process.kill(-pid, "SIGTERM");
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (running() === undefined) {
      rmSync(pidFile, { force: true });
      console.log("elasticache-local stopped");
      return 0;
    }
    await sleep(100);
  }
  console.error(`elasticache-local (pid ${pid}) did not stop within 90 s`);
  return 1;
}

const [command, option] = process.argv.slice(2);
const commands = { start: () => start(option === "--foreground"), status, reset, stop };
if (!Object.hasOwn(commands, command ?? "")) {
  console.error("usage: elasticache-local start [--foreground] | status | reset | stop");
  process.exit(2);
}
process.exit(await commands[command]());
