/**
 * A ready ioredis Cluster client for tests and benchmarks. Before it is ready, ioredis sends
 * CLUSTER commands over its bootstrap connection, which it drops as soon as the slot map arrives
 * (a configuration endpoint is not a node of the map), failing such a command with "Connection is
 * closed": waiting for ready is what an application does too. Waited for by the "ready" event, not
 * connect()'s promise: when ioredis' ready check fails once (a refresh timing out under load) it
 * reconnects, and that first promise never settles.
 */
import { Cluster } from "ioredis";

export interface ClusterClientTimeouts {
  /** Per command. */
  commandTimeout: number;
  /** Connecting, and refreshing the slot map. */
  connectTimeout: number;
  /** Pause before reconnecting to the cluster. */
  retryMs: number;
}

export async function readyClusterClient(endpoint: { Address: string; Port: number }, timeouts: ClusterClientTimeouts): Promise<Cluster> {
  const client = new Cluster([{ host: endpoint.Address, port: endpoint.Port }], {
    clusterRetryStrategy: () => timeouts.retryMs,
    redisOptions: { connectTimeout: timeouts.connectTimeout, commandTimeout: timeouts.commandTimeout, maxRetriesPerRequest: 0 },
    slotsRefreshTimeout: timeouts.connectTimeout,
    lazyConnect: true,
  });
  client.on("error", () => undefined);
  const ready = new Promise((resolve) => client.once("ready", resolve));
  client.connect().catch(() => undefined);
  await ready;
  return client;
}
