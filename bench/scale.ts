/**
 * 100 replication groups of 3 nodes with the process runtime: all available; the control plane's
 * resident memory and idle CPU at 10 and at 100 groups (300 nodes, every one probed by the health
 * monitor, so the idle CPU at 100 groups is also the monitor's cost with 300 nodes).
 * Usage: npx tsx bench/scale.ts [groups]
 */
import { startServer } from "../test/helpers/server.ts";
import { api, createGroup } from "./lib/api.ts";
import { cpuShare, fmt, rssMiB, table } from "./lib/measure.ts";

const total = Number(process.argv[2]) || 100;
const IDLE_WINDOW_MS = 30_000;

async function createMany(url: string, from: number, to: number, parallel = 4): Promise<number> {
  const started = performance.now();
  let next = from;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < to) await createGroup(url, `s${next++}`, 3);
    }),
  );
  return performance.now() - started;
}

export async function benchScale(): Promise<string> {
  const server = await startServer({ env: { ECL_RUNTIME: "process", ECL_PORT_RANGE: "23000-23999", ECL_LOG_LEVEL: "warn" } });
  const pid = server.process.pid!;
  const rows = [];
  try {
    let created = 0;
    for (const target of [10, total]) {
      const took = await createMany(server.url, created, target);
      created = target;
      const { ReplicationGroups } = await api(server.url, "GET", "/v1/replication-groups?MaxRecords=100");
      const available = ReplicationGroups.filter((group: any) => group.Status === "available").length;
      // Idle means after the burst: admin connections close after 30 s unused.
      await new Promise((resolve) => setTimeout(resolve, 50_000));
      const cpu = await cpuShare(pid, IDLE_WINDOW_MS);
      rows.push({
        groups: target,
        nodes: target * 3,
        "available (first page)": available,
        "create time s": fmt(took / 1000, 1),
        "RSS MiB": fmt(rssMiB(pid)),
        "idle CPU % of a core": fmt(cpu * 100, 1),
      });
    }
  } finally {
    await server.cleanup();
  }
  return table(rows);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(await benchScale());
}
