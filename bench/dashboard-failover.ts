/**
 * How soon the dashboard shows a failover: a 2-node group (process runtime), its primary SIGKILLed;
 * measured from the kill to the page (headless Chromium, left open, never reloaded) showing the
 * replica as primary, and, side by side in the same run, to the REST API first answering with the
 * new primary (polled every 20 ms). Goal (issue 11): the page within a second.
 * Usage: npx tsx bench/dashboard-failover.ts [runs]
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { launchBrowser } from "../test/helpers/browser.ts";
import { startServer } from "../test/helpers/server.ts";
import { api, createGroup } from "./lib/api.ts";
import { fmt, median, percentile, table } from "./lib/measure.ts";

const runs = Number(process.argv[2]) || 10;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const ID = "dashfo";

/** The member the group names primary (settled: only once the group is available again). */
async function primaryOf(url: string, settledOnly = true): Promise<string | undefined> {
  const { ReplicationGroup: group } = await api(url, "GET", `/v1/replication-groups/${ID}`);
  if (settledOnly && group.Status !== "available") return undefined;
  return group.NodeGroups[0].NodeGroupMembers.find((member: any) => member.CurrentRole === "primary")?.CacheClusterId;
}

async function settled(url: string): Promise<string> {
  for (;;) {
    const { CacheClusters } = await api(url, "GET", "/v1/cache-clusters?ShowCacheNodeInfo=true");
    const nodesOk = CacheClusters.filter((cluster: any) => cluster.ReplicationGroupId === ID).every((cluster: any) => cluster.CacheNodes.every((node: any) => node.CacheNodeStatus === "available"));
    const primary = await primaryOf(url);
    if (primary && nodesOk) return primary;
    await sleep(50);
  }
}

export async function benchDashboardFailover(): Promise<string> {
  const server = await startServer({ env: { ECL_RUNTIME: "process", ECL_PORT_RANGE: "25000-25099", ECL_LOG_LEVEL: "warn" } });
  const browser = await launchBrowser();
  const page: number[] = [];
  const restApi: number[] = [];
  try {
    await createGroup(server.url, ID, 2, { AutomaticFailoverEnabled: true });
    const tab = await browser.newPage();
    await tab.goto(`${server.url}/dashboard`);
    await tab.locator('[data-live="true"]').waitFor({ timeout: 15_000 });
    for (let run = 0; run < runs; run++) {
      const primary = await settled(server.url);
      const replica = primary === `${ID}-001` ? `${ID}-002` : `${ID}-001`;
      await tab.locator(`tr[data-member="${primary}"][data-role="primary"]`).waitFor({ timeout: 15_000 });
      const killedAt = performance.now();
      process.kill(Number(readFileSync(path.join(server.dataDir, "nodes", `${primary}-0001`, "pid"), "utf8")), "SIGKILL");
      const shown = tab.locator(`tr[data-member="${replica}"][data-role="primary"]`).waitFor({ timeout: 30_000 }).then(() => performance.now() - killedAt);
      const answered = (async () => {
        while ((await primaryOf(server.url, false).catch(() => undefined)) !== replica) await sleep(20);
        return performance.now() - killedAt;
      })();
      const [pageMs, apiMs] = await Promise.all([shown, answered]);
      page.push(pageMs);
      restApi.push(apiMs);
    }
  } finally {
    await browser.close();
    await server.cleanup();
  }
  const row = (what: string, values: number[]) => ({ "kill → …": what, runs: values.length, "median ms": fmt(median(values)), "p95 ms": fmt(percentile(values, 95)), "max ms": fmt(Math.max(...values)) });
  return `${table([row("dashboard shows the new primary", page), row("REST API answers with the new primary", restApi)])}\n\npage/API median ratio: ${fmt(median(page) / median(restApi), 2)}`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(await benchDashboardFailover());
}
