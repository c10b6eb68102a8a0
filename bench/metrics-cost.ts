/**
 * What node metrics cost the control plane: one set of 300 nodes (100 replication groups of 3,
 * process runtime), the control plane's idle CPU measured with node metrics off and on (the
 * default 10 s interval, and a 1 s interval as a stress case), alternating on the same nodes in
 * one run: the control plane is restarted on the same data directory between windows and adopts
 * the nodes. Goal (issue 11): on at the default costs under 1 percentage point of a core more.
 * Usage: npx tsx bench/metrics-cost.ts [groups] [rounds]
 */
import { startServer, type RunningServer } from "../test/helpers/server.ts";
import { createGroup } from "./lib/api.ts";
import { cpuShare, fmt, median, table } from "./lib/measure.ts";

const groups = Number(process.argv[2]) || 100;
const rounds = Number(process.argv[3]) || 2;
const WINDOW_MS = 30_000;
/** After a start: adoption, first probes and endpoint set-up are done; admin connections idle out after 30 s. */
const SETTLE_MS = 40_000;
const MODES: Array<{ name: string; interval: string }> = [
  { name: "metrics off", interval: "0" },
  { name: "metrics every 10 s (default)", interval: "10000" },
  { name: "metrics every 1 s", interval: "1000" },
];

const envOf = (interval: string) => ({ ECL_RUNTIME: "process", ECL_PORT_RANGE: "24000-24999", ECL_LOG_LEVEL: "warn", ECL_METRICS_INTERVAL_MS: interval });

async function scrape(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return text.split("\n").filter((line) => line.startsWith("elasticache_is_master{")).length;
}

export async function benchMetricsCost(): Promise<string> {
  let server: RunningServer = await startServer({ env: envOf("0") });
  const dataDir = server.dataDir;
  const samples = new Map<string, number[]>(MODES.map((mode) => [mode.name, []]));
  const scraped = new Map<string, number>();
  try {
    let next = 0;
    await Promise.all(Array.from({ length: 4 }, async () => {
      while (next < groups) await createGroup(server.url, `mc${next++}`, 3);
    }));
    for (let round = 0; round < rounds; round++) {
      for (const mode of round % 2 === 0 ? MODES : [...MODES].reverse()) {
        await server.stop();
        server = await startServer({ env: envOf(mode.interval), dataDir, port: server.port });
        await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
        samples.get(mode.name)!.push(await cpuShare(server.process.pid!, WINDOW_MS));
        scraped.set(mode.name, await scrape(server.url));
      }
    }
  } finally {
    await server.cleanup();
  }
  const off = median(samples.get(MODES[0].name)!);
  return table(
    MODES.map((mode) => {
      const cpu = median(samples.get(mode.name)!);
      return {
        mode: mode.name,
        nodes: groups * 3,
        "nodes with metrics in /metrics": scraped.get(mode.name) ?? 0,
        "idle CPU % of a core (median)": fmt(cpu * 100, 2),
        "vs off, percentage points": fmt((cpu - off) * 100, 2),
      };
    }),
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(await benchMetricsCost());
}
