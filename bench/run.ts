/**
 * npm run bench: every benchmark in one run, each printing ratios measured side by side.
 * Pass names to run some: npm run bench -- create-group failover
 */
import { benchApi } from "./api/describe.ts";
import { benchInstances } from "./api/instances.ts";
import { benchCluster } from "./cluster/cluster-mode.ts";
import { benchOwnElection } from "./cluster/own-election.ts";
import { benchCreateGroup } from "./create-group.ts";
import { benchFailover } from "./failover.ts";
import { benchScale } from "./scale.ts";
import { benchMetricsCost } from "./metrics-cost.ts";
import { benchDashboardFailover } from "./dashboard-failover.ts";
import { benchSnapshotRestore } from "./snapshot-restore.ts";
import { benchParameterApply } from "./parameter-apply.ts";
import { benchLeaderHandover } from "./leader-handover.ts";
import { benchLeaderFailover } from "./leader-failover.ts";
import { benchFencing } from "./fencing.ts";
import { benchTlsThroughput } from "./proxy/tls-throughput.ts";
import { benchTransitChange } from "./transit-change.ts";
import { execFileSync } from "node:child_process";

const benches: Record<string, () => Promise<string>> = {
  "create-group": benchCreateGroup,
  failover: benchFailover,
  scale: benchScale,
  "metrics-cost": benchMetricsCost,
  "dashboard-failover": benchDashboardFailover,
  cluster: benchCluster,
  "cluster-own-election": benchOwnElection,
  "snapshot-restore": benchSnapshotRestore,
  "parameter-apply": benchParameterApply,
  "transit-change": benchTransitChange,
  "leader-handover": benchLeaderHandover,
  "leader-failover": benchLeaderFailover,
  fencing: benchFencing,
  api: () => benchApi(),
  "api-instances": () => benchInstances(),
  proxy: async () => {
    execFileSync(process.execPath, ["--import", "tsx", "bench/proxy/endpoint-throughput.ts"], { stdio: "inherit" });
    return "(printed above)";
  },
  "proxy-tls": async () => {
    await benchTlsThroughput();
    return "(printed above)";
  },
};

const wanted = process.argv.slice(2).filter((name) => !name.startsWith("-"));
for (const name of wanted.length ? wanted : Object.keys(benches)) {
  const bench = benches[name];
  if (!bench) throw new Error(`unknown benchmark ${name}; known: ${Object.keys(benches).join(", ")}`);
  console.log(`\n## ${name}  (${new Date().toISOString()})\n`);
  console.log(await bench());
}
