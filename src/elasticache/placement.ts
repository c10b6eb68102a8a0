/**
 * Where new nodes go: availability zones of the subnet group, host ports, and the account's node
 * quota, with AWS's errors. The store re-checks ports and the quota when it writes.
 */
import type { Store } from "../store/index.ts";
import { AwsError, errors } from "../aws/errors.ts";

/** The account-wide node quota AWS applies by default. */
export const NODE_QUOTA = 300;

/** Availability zones of the subnet group, used round-robin for nodes without a preferred zone. */
export async function zonesOf(store: Store, subnetGroupName: string): Promise<string[]> {
  const zones = await store.subnetGroups.zonesOf(subnetGroupName);
  if (!zones) throw new AwsError("CacheSubnetGroupNotFoundFault", `Cache subnet group ${subnetGroupName} not found.`);
  return zones;
}

export async function requireNodeQuota(store: Store, adding: number): Promise<void> {
  const nodes = await store.cacheClusters.nodeCount();
  if (nodes + adding > NODE_QUOTA) {
    throw new AwsError("NodeQuotaForCustomerExceeded", `This account may run at most ${NODE_QUOTA} cache nodes; ${nodes} exist.`);
  }
}

/** `count` ports free in the range and on the host. */
export async function pickPorts(store: Store, count: number): Promise<number[]> {
  if (count === 0) return [];
  const ports = await store.ports.pick(count);
  if (!ports) {
    const [from, to] = store.ports.range;
    throw errors.invalidParameterValue(`No free ports left in the range ${from}-${to} (ECL_PORT_RANGE).`);
  }
  return ports;
}

/** A port the user asked for: it must be free on the host and not handed out already. */
export async function requirePortAvailable(store: Store, port: number): Promise<void> {
  if (!(await store.ports.isAvailable(port))) {
    throw errors.invalidParameterValue(`Port ${port} is already in use on this machine; choose another Port or leave it out.`);
  }
}
