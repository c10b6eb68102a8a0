/**
 * New member clusters of a node group: ids numbered after the ones in use, settings inherited
 * from the group, one node each.
 */
import type { ClusterSettings } from "../domain/model.ts";
import { memberIdOf, nodeIdOf } from "../domain/names.ts";
import type { NewCluster, Store } from "../store/index.ts";
import { AwsError } from "../aws/errors.ts";

export interface MemberSpec {
  id: string;
  replicationGroupId: string;
  nodeGroupId: string;
  role: "primary" | "replica";
  az: string;
  hostPort: number;
  /** Transit encryption "preferred": the port of the node's TLS listener. */
  tlsPort?: number;
  status?: string;
}

export function newMember(settings: ClusterSettings, spec: MemberSpec): NewCluster {
  return {
    ...settings,
    id: spec.id,
    replicationGroupId: spec.replicationGroupId,
    nodeGroupId: spec.nodeGroupId,
    role: spec.role,
    preferredAz: spec.az,
    status: spec.status ?? "creating",
    nodes: [{ nodeId: nodeIdOf(1), az: spec.az, hostPort: spec.hostPort, tlsPort: spec.tlsPort }],
  };
}

/** Next free member numbers of a group: <group>-00N not used by any cluster. */
export async function nextMemberIds(store: Store, groupId: string, count: number): Promise<string[]> {
  const used = new Set(await store.cacheClusters.idsStartingWith(`${groupId}-`));
  const ids: string[] = [];
  for (let index = 1; ids.length < count && index <= 999; index++) {
    const id = memberIdOf(groupId, index);
    if (!used.has(id)) ids.push(id);
  }
  return ids;
}

/** Fails the way AWS does when a cluster id is taken already (the store enforces it on write too). */
export async function requireClusterIdsFree(store: Store, ids: string[]): Promise<void> {
  const taken = await store.cacheClusters.firstExisting(ids);
  if (taken !== undefined) throw new AwsError("CacheClusterAlreadyExists", `Cache cluster ${taken} already exists.`);
}
