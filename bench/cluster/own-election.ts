/**
 * Shard failover by Redis Cluster's own election, the alternative to the control plane's CLUSTER
 * FAILOVER TAKEOVER (controllers/shard-replication.ts): a cluster made by hand with the
 * cluster-node-timeout our nodes run with (5 s), a shard primary killed -9 while ioredis Cluster
 * writes to that shard, time to the first acknowledged write sent after the kill. Compare with the
 * "shard failover" row of bench/cluster/cluster-mode.ts (the control plane's promotion).
 * Usage: npx tsx bench/cluster/own-election.ts [runs]
 */
import { readyClusterClient } from "../../test/helpers/cluster-client.ts";
import { fmt, median, percentile, table } from "../lib/measure.ts";
import { clusterByHand, until } from "./by-hand.ts";

const runs = Number(process.argv[2]) || 5;
/** What node-spec.ts gives cluster nodes. */
const NODE_TIMEOUT_MS = 5000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function oneRun(index: number): Promise<number> {
  const cluster = await clusterByHand(NODE_TIMEOUT_MS);
  const client = await readyClusterClient({ Address: "127.0.0.1", Port: cluster.ports[0] }, { commandTimeout: 500, connectTimeout: 500, retryMs: 50 });
  try {
    const tag = `{e${index}}`;
    const slot = Number(await client.cluster("KEYSLOT", tag));
    const shards = (await client.cluster("SHARDS")) as any[];
    const owner = shards.find((shard) => {
      const slots: number[] = shard[1];
      for (let i = 0; i < slots.length; i += 2) if (slot >= slots[i] && slot <= slots[i + 1]) return true;
      return false;
    });
    const nodes: any[] = owner[3];
    const primaryPort = Number(nodes.map((node) => Object.fromEntries(Array.from({ length: node.length / 2 }, (_, i) => [node[2 * i], node[2 * i + 1]]))).find((node) => node.role === "master").port);
    const sent: number[] = [];
    const acked: number[] = [];
    let writing = true;
    const writer = (async () => {
      for (let i = 0; writing; i++) {
        const at = performance.now();
        try {
          await client.set(`${tag}:${i}`, String(i));
          sent.push(at);
          acked.push(performance.now());
        } catch {
          await sleep(2);
        }
      }
    })();
    await until(async () => acked.length > 200);
    const killedAt = performance.now();
    cluster.children[cluster.ports.indexOf(primaryPort)].kill("SIGKILL");
    await until(async () => sent.some((time) => time > killedAt));
    writing = false;
    await writer;
    return acked[sent.findIndex((time) => time > killedAt)] - killedAt;
  } finally {
    client.disconnect();
    cluster.stop();
  }
}

export async function benchOwnElection(): Promise<string> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push(await oneRun(i));
  return table([{ what: `Redis Cluster's own election (cluster-node-timeout ${NODE_TIMEOUT_MS} ms): kill -9 -> first write`, runs: times.length, "median ms": fmt(median(times)), "p95 ms": fmt(percentile(times, 95)) }]);
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(await benchOwnElection());
