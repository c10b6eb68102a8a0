/**
 * API throughput with several control planes on one PostgreSQL database (issue 14): the same load
 * (autocannon, 50 connections) against one SQLite instance, one PostgreSQL instance, and three
 * PostgreSQL instances on one database (one runs the controllers, two ECL_CONTROLLERS=false), all
 * started in the same run, each store holding 10 replication groups of 3 nodes (process runtime).
 * With three instances the 50 connections are spread round-robin over them (17/17/16, one
 * autocannon per instance, run together): req/s is their sum, p50/p99 the worst of the three.
 * Beside them the instances' CPU per request (PostgreSQL's own is not counted).
 * Two loads: DescribeReplicationGroups (REST), and a mixed read case where every connection cycles
 * through REST and Query Describes of groups, clusters with nodes, parameter groups and events.
 * The PostgreSQL server is the tests' own (test/helpers/postgresql.ts: fsync off), on this machine.
 * The machine's cores are shared by autocannon, PostgreSQL and every instance: more instances add
 * processes, not cores.
 * Usage: npx tsx bench/api/instances.ts [seconds per target]
 */
import os from "node:os";
import autocannon from "autocannon";
import { startPostgresql } from "../../test/helpers/postgresql.ts";
import { startServer, type RunningServer } from "../../test/helpers/server.ts";
import { createGroup } from "../lib/api.ts";
import { cpuSeconds, fmt, table } from "../lib/measure.ts";

const GROUPS = 10;
const CONNECTIONS = 50;
const FORM = { "content-type": "application/x-www-form-urlencoded" };
const query = (action: string, extra = "") => `Action=${action}&Version=2015-02-02${extra}`;

type Request = autocannon.Request;

const LOADS: { name: string; requests: Request[] }[] = [
  { name: "REST DescribeReplicationGroups", requests: [{ method: "GET", path: "/v1/replication-groups" }] },
  {
    name: "mixed reads (REST + Query)",
    requests: [
      { method: "GET", path: "/v1/replication-groups" },
      { method: "POST", path: "/", headers: FORM, body: query("DescribeCacheClusters", "&ShowCacheNodeInfo=true") },
      { method: "GET", path: "/v1/replication-groups/grp3" },
      { method: "POST", path: "/", headers: FORM, body: query("DescribeCacheParameterGroups") },
      { method: "GET", path: "/v1/cache-clusters?ShowCacheNodeInfo=true" },
      { method: "POST", path: "/", headers: FORM, body: query("DescribeEvents") },
    ],
  },
];

function run(url: string, requests: Request[], connections: number, seconds: number): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    autocannon({ url, connections, duration: seconds, requests }, (error, result) => (error ? reject(error) : resolve(result)));
  });
}

/** The 50 connections split over the instances, one autocannon per instance, all at once. */
async function measure(servers: RunningServer[], requests: Request[], seconds: number) {
  const share = (i: number) => Math.floor(CONNECTIONS / servers.length) + (i < CONNECTIONS % servers.length ? 1 : 0);
  await Promise.all(servers.map((server, i) => run(server.url, requests, share(i), 1))); // warm-up: JIT, pools
  const cpu = () => servers.reduce((sum, server) => sum + cpuSeconds(server.process.pid!), 0);
  const cpuBefore = cpu();
  const results = await Promise.all(servers.map((server, i) => run(server.url, requests, share(i), seconds)));
  const total = results.reduce((sum, result) => sum + result.requests.total, 0);
  return {
    "req/s": fmt(results.reduce((sum, result) => sum + result.requests.average, 0)),
    "p50 ms": fmt(Math.max(...results.map((result) => result.latency.p50)), 1),
    "p99 ms": fmt(Math.max(...results.map((result) => result.latency.p99)), 1),
    // The instances' own CPU (not PostgreSQL's): tells a busy control plane from one waiting on the database.
    "instances' CPU ms/req": fmt(((cpu() - cpuBefore) * 1000) / Math.max(1, total), 2),
    "non-2xx + errors": results.reduce((sum, result) => sum + result.non2xx + result.errors, 0),
  };
}

/**
 * One create at a time: two concurrent creates on PostgreSQL can end in InternalFailure (a 40001
 * raised by a raw read inside the transaction arrives as P2010, which the retry does not know).
 */
async function fill(url: string): Promise<void> {
  for (let next = 0; next < GROUPS; next++) await createGroup(url, `grp${next}`, 3);
}

export async function benchInstances(seconds = Number(process.argv[2]) || 10): Promise<string> {
  const base = { ECL_RUNTIME: "process", ECL_LOG_LEVEL: "warn" };
  const postgresql = await startPostgresql();
  const servers: RunningServer[] = [];
  const start = async (env: Record<string, string>) => {
    const server = await startServer({ env: { ...base, ...env } });
    servers.push(server);
    return server;
  };
  try {
    const sqlite = await start({ ECL_INSTANCE: `bsql${process.pid}`, ECL_PORT_RANGE: "24200-24299" });
    const { url } = await postgresql.freshDatabase();
    const pg = { DATABASE_URL: url, ECL_INSTANCE: `bpg${process.pid}`, ECL_PORT_RANGE: "24300-24399" };
    const leader = await start(pg);
    const apiOnly = [await start({ ...pg, ECL_CONTROLLERS: "false" }), await start({ ...pg, ECL_CONTROLLERS: "false" })];
    await Promise.all([fill(sqlite.url), fill(leader.url)]);
    const rows = [];
    for (const load of LOADS) {
      for (const [setup, targets] of [
        ["SQLite, 1 instance", [sqlite]],
        ["PostgreSQL, 1 instance", [leader]],
        ["PostgreSQL, 3 instances", [leader, ...apiOnly]],
      ] as const) {
        rows.push({ load: load.name, setup, ...(await measure([...targets], load.requests, seconds)) });
      }
    }
    return `${table(rows)}\n(${os.cpus().length} cores shared by autocannon, PostgreSQL and the instances; ${seconds} s per row)`;
  } finally {
    for (const server of servers.reverse()) await server.cleanup();
    await postgresql.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(await benchInstances());
}
