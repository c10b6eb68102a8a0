/**
 * A live parameter change to 30 nodes: ModifyCacheParameterGroup (maxmemory-policy) on a group
 * used by 5 replication groups of 6 nodes, timed until every node reports the new value in
 * CONFIG GET; beside it, in the same run, a script doing the CONFIG SET itself on the same 30 nodes
 * (one connection each, all at once) until they all report it. Rounds alternate values; medians.
 * Usage: npx tsx bench/parameter-apply.ts [rounds]
 */
import { Redis } from "ioredis";
import { startServer } from "../test/helpers/server.ts";
import { api, createGroup } from "./lib/api.ts";
import { fmt, median, table } from "./lib/measure.ts";

const rounds = Number(process.argv[2]) || 5;
const POLICIES = ["allkeys-lru", "allkeys-lfu"];

async function allReport(clients: Redis[], value: string): Promise<void> {
  for (;;) {
    const values = await Promise.all(clients.map(async (client) => ((await client.config("GET", "maxmemory-policy")) as string[])[1]));
    if (values.every((v) => v === value)) return;
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

export async function benchParameterApply(): Promise<string> {
  const server = await startServer({ env: { ECL_RUNTIME: "process", ECL_INSTANCE: `benchp${process.pid}`, ECL_PORT_RANGE: "22100-22199" } });
  const ours: number[] = [];
  const hand: number[] = [];
  const clients: Redis[] = [];
  try {
    await api(server.url, "POST", "/v1/cache-parameter-groups", { CacheParameterGroupName: "bench", CacheParameterGroupFamily: "redis7", Description: "bench" });
    for (let g = 0; g < 5; g++) {
      const group = await createGroup(server.url, `p${g}`, 6, { CacheParameterGroupName: "bench" });
      for (const member of group.NodeGroups[0].NodeGroupMembers) clients.push(new Redis({ host: member.ReadEndpoint.Address, port: member.ReadEndpoint.Port }));
    }
    for (let round = 0; round < rounds; round++) {
      const viaApi = POLICIES[round % 2];
      let started = performance.now();
      await api(server.url, "PATCH", "/v1/cache-parameter-groups/bench", { ParameterNameValues: [{ ParameterName: "maxmemory-policy", ParameterValue: viaApi }] });
      await allReport(clients, viaApi);
      ours.push(performance.now() - started);
      const byHand = POLICIES[(round + 1) % 2];
      started = performance.now();
      await Promise.all(clients.map((client) => client.config("SET", "maxmemory-policy", byHand)));
      await allReport(clients, byHand);
      hand.push(performance.now() - started);
      // Back to what the group says before the next round (the controller does not re-assert an in-sync group).
      await Promise.all(clients.map((client) => client.config("SET", "maxmemory-policy", viaApi)));
    }
  } finally {
    clients.forEach((client) => client.disconnect());
    await server.cleanup();
  }
  return table([
    { what: "API: ModifyCacheParameterGroup until 30 nodes report it", "median ms": fmt(median(ours)), "runs ms": ours.map((v) => fmt(v)).join(" ") },
    { what: "by hand: CONFIG SET on 30 nodes at once", "median ms": fmt(median(hand)), "runs ms": hand.map((v) => fmt(v)).join(" ") },
  ]);
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(await benchParameterApply());
