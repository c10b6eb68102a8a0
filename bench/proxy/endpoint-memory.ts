/**
 * Control-plane memory with idle endpoint connections (issue 13: RSS rose 29 MiB with 2,000 idle
 * connections to a group's endpoint and did not come back after they closed). One control plane
 * (process runtime) with one group; its RSS and the node's client count before, with N idle
 * connections to the group's primary endpoint, and after they closed, in three rounds (then after
 * a further pause, and after API requests that make the garbage collector run: it and the allocator
 * decide when memory goes back; an idle process need not collect at all).
 * The proxy's own bookkeeping is tested to return to zero (test/proxy/endpoint-memory.test.ts);
 * this shows what the operating system sees.
 * Usage: npx tsx bench/proxy/endpoint-memory.ts [connections, default 2000]
 */
import { readFileSync } from "node:fs";
import { closeAll, openIdle, redisClientCount } from "../../test/helpers/idle-sockets.ts";
import { startServer } from "../../test/helpers/server.ts";
import { createGroup } from "../lib/api.ts";
import { fmt, table } from "../lib/measure.ts";

const connections = Number(process.argv[2]) || 2_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const rssMiB = (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]) / 1024;

const server = await startServer({ env: { ECL_RUNTIME: "process", ECL_INSTANCE: `bmem${process.pid}`, ECL_PORT_RANGE: "24400-24499" } });
const pid = server.process.pid!;
const rows: Record<string, string | number>[] = [];
try {
  const group = await createGroup(server.url, "mem", 2);
  const endpoint = group.NodeGroups[0].PrimaryEndpoint.Port as number;
  const primaryMember = group.NodeGroups[0].NodeGroupMembers.find((member: any) => member.CurrentRole === "primary");
  const nodePort = primaryMember.ReadEndpoint.Port as number;
  const row = (moment: string) => async () => rows.push({ moment, "control plane RSS MiB": fmt(rssMiB(pid), 1), "node clients": await redisClientCount(nodePort) });
  await sleep(2_000);
  await row("before")();
  // Three rounds: memory the process keeps for reuse shows once; a leak grows with every round.
  for (let round = 1; round <= 3; round++) {
    const sockets = await openIdle(endpoint, connections);
    while ((await redisClientCount(nodePort)) < connections) await sleep(100);
    await row(`round ${round}: with ${connections} idle connections`)();
    await closeAll(sockets);
    await sleep(1_000);
    await row(`round ${round}: 1 s after they closed`)();
  }
  await sleep(10_000);
  await row("11 s later")();
  // An idle process need not collect garbage at all: API requests allocate, so collections run.
  for (let i = 0; i < 3_000; i++) await fetch(`${server.url}/v1/replication-groups`).then((response) => response.arrayBuffer());
  await row("then after 3,000 API requests")();
} finally {
  await server.cleanup();
}
console.log(table(rows));
