/**
 * Control-plane memory with idle endpoint connections (issue 13: RSS rose 29 MiB with 2,000 idle
 * connections to a group's endpoint and did not come back after they closed). One control plane
 * (process runtime) with one group; its memory and the node's client count before, with N idle
 * connections to the group's primary endpoint, and after they closed, in rounds (then after
 * a further pause, and after API requests).
 * Each moment shows RSS as the kernel sees it, then, after a full garbage collection in the
 * control plane (memory-preload.mjs), what is ours: the V8 heap in use and committed, external
 * memory and the ArrayBuffers in it (the endpoints' read buffers: 2 x 1 KiB per idle connection),
 * and the native rest of RSS (RSS - committed heap - external: the allocator's and the engine's).
 * The proxy's own bookkeeping and its memory are tested to return (test/proxy/endpoint-memory.test.ts).
 * Usage: npx tsx bench/proxy/endpoint-memory.ts [connections, default 2000] [rounds, default 3]
 * At the end, with gdb (Debian's package), the control plane's glibc prints its arenas'
 * statistics (bytes taken from the system against bytes in use) and is asked to give back what is
 * free (malloc_trim(0)): what RSS then loses was the allocator's free memory, not ours.
 * The environment goes to the control plane as it is (glibc's MALLOC_* settings, for experiments).
 * Measured 2026-12-01, 2,000 connections, 3 rounds (MiB; after a full GC):
 *                               16 KiB read buffers (633c7db)     1 KiB first read buffers
 *   ArrayBuffers open / closed    62.7 / 0.2 (baseline 0.2)        4.1 / 0.2 (baseline 0.2)
 *   heap used before / round 3    45.2 / 44.7                      45.2 / 45.5
 *   main malloc heap before / 3   14.6 / 52.7                      14.2 / 16.1
 *   RSS before / round 3          172.3 / 203.4                    163.1 / 167.8
 *   after malloc_trim(0)          141.2 (2 rounds; arena 0: 79 MB  146.2 (arena 0: 17 MB from
 *                                 from the system, 9.5 MB in use)  the system, 9.7 MB in use)
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { closeAll, openIdle, redisClientCount } from "../../test/helpers/idle-sockets.ts";
import { startServer } from "../../test/helpers/server.ts";
import { createGroup } from "../lib/api.ts";
import { fmt, table } from "../lib/measure.ts";

const connections = Number(process.argv[2]) || 2_000;
const rounds = Number(process.argv[3]) || 3;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const MiB = 1024 * 1024;

const rssMiB = (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]) / 1024;

interface Usage {
  rss: number;
  rssAnon: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
  mallocHeap: number;
  v8Malloced: number;
}

const dir = mkdtempSync(path.join(os.tmpdir(), "ecl-bench-memory-"));
const report = path.join(dir, "memory.jsonl");
const server = await startServer({
  env: {
    ECL_RUNTIME: "process",
    ECL_INSTANCE: `bmem${process.pid}`,
    ECL_PORT_RANGE: "24400-24499",
    ECL_MEMORY_REPORT: report,
    NODE_OPTIONS: `--import ${path.join(import.meta.dirname, "memory-preload.mjs")}`,
  },
});
const pid = server.process.pid!;

/** The control plane's memory after a full collection (memory-preload.mjs). */
async function collected(): Promise<Usage> {
  const lines = () => readFileSync(report, "utf8").trim().split("\n").filter(Boolean);
  const before = (() => {
    try {
      return lines().length;
    } catch {
      return 0;
    }
  })();
  process.kill(pid, "SIGUSR2");
  for (;;) {
    await sleep(50);
    try {
      const all = lines();
      if (all.length > before) return JSON.parse(all[all.length - 1]!) as Usage;
    } catch {
      // not written yet
    }
  }
}

/**
 * glibc's malloc_stats() (written to the control plane's stderr) and malloc_trim(0), called in the
 * control plane through gdb. gdb may end with an error after the calls ("Couldn't write extended
 * state status" on some VMs); whether they ran shows in the statistics (none without gdb).
 */
async function statsAndTrim(): Promise<void> {
  await promisify(execFile)("gdb", ["-p", String(pid), "-batch", "-ex", "call (void) malloc_stats()", "-ex", "call (int) malloc_trim(0)"], { timeout: 120_000 }).catch(() => undefined);
}

const rows: Record<string, string | number>[] = [];
let arenas = "";
try {
  const group = await createGroup(server.url, "mem", 2);
  const endpoint = group.NodeGroups[0].PrimaryEndpoint.Port as number;
  const primaryMember = group.NodeGroups[0].NodeGroupMembers.find((member: any) => member.CurrentRole === "primary");
  const nodePort = primaryMember.ReadEndpoint.Port as number;
  const row = async (moment: string) => {
    const rss = rssMiB(pid);
    const clients = await redisClientCount(nodePort);
    const usage = await collected();
    rows.push({
      moment,
      "RSS MiB": fmt(rss, 1),
      "after a full GC: heap used": fmt(usage.heapUsed / MiB, 1),
      "heap committed": fmt(usage.heapTotal / MiB, 1),
      external: fmt(usage.external / MiB, 1),
      "of it ArrayBuffers": fmt(usage.arrayBuffers / MiB, 1),
      "RSS after it": fmt(usage.rss / MiB, 1),
      "native rest": fmt((usage.rss - usage.heapTotal - usage.external) / MiB, 1),
      "of it main malloc heap": fmt(usage.mallocHeap / MiB, 1),
      "V8 malloced": fmt(usage.v8Malloced / MiB, 1),
      "node clients": clients,
    });
  };
  await sleep(2_000);
  await row("before");
  // Rounds: memory the process keeps for reuse shows once; a leak grows with every round.
  for (let round = 1; round <= rounds; round++) {
    const sockets = await openIdle(endpoint, connections);
    while ((await redisClientCount(nodePort)) < connections) await sleep(100);
    await row(`round ${round}: with ${connections} idle connections`);
    await closeAll(sockets);
    await sleep(1_000);
    await row(`round ${round}: 1 s after they closed`);
  }
  await sleep(10_000);
  await row("11 s later");
  for (let i = 0; i < 3_000; i++) await fetch(`${server.url}/v1/replication-groups`).then((response) => response.arrayBuffer());
  await row("then after 3,000 API requests");
  const before = server.output().length;
  await statsAndTrim();
  await sleep(500);
  // malloc_stats(): per arena "system bytes" (taken from the kernel) and "in use bytes".
  arenas = server.output().slice(before).split("\n").filter((line) => /^(Arena \d+:|Total|system bytes|in use bytes)/.test(line.trim())).join("\n");
  if (arenas) await row("after glibc's malloc_trim(0) (gdb)");
} finally {
  await server.cleanup();
  rmSync(dir, { recursive: true, force: true });
}
console.log(table(rows));
if (arenas) console.log(`glibc malloc_stats() of the control plane, before malloc_trim(0):\n${arenas}`);
