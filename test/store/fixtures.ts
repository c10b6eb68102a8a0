/** Rows for store tests: a Redis group's settings, its members and the group itself, and the default subnet group. */
import { memberIdOf, nodeIdOf } from "../../src/domain/names.ts";
import type { NewCluster, NewReplicationGroup, Store } from "../../src/store/index.ts";

export const settings = {
  engine: "redis" as const,
  engineVersion: "7.0.15",
  cacheNodeType: "cache.t3.micro",
  port: 6379,
  subnetGroupName: "default",
  parameterGroupName: "default.redis7",
  snapshotRetentionLimit: 0,
};

/** Hands out host ports from `from` on, one by one. */
export function portCounter(from: number): () => number {
  let next = from;
  return () => next++;
}

export function member(groupId: string, index: number, role: "primary" | "replica", hostPort: number): NewCluster {
  return {
    ...settings,
    id: memberIdOf(groupId, index),
    replicationGroupId: groupId,
    nodeGroupId: "0001",
    role,
    preferredAz: "us-east-1a",
    status: "creating",
    nodes: [{ nodeId: nodeIdOf(1), az: "us-east-1a", hostPort }],
  };
}

/** A group of one node group: member 1 the primary, the others replicas, inserted in the order given. */
export function groupSpec(id: string, port: () => number, options: { members?: number[]; endpoints?: { primary: number; reader: number } } = {}): NewReplicationGroup {
  const endpoints = options.endpoints ?? { primary: port(), reader: port() };
  return {
    ...settings,
    id,
    description: id,
    automaticFailover: true,
    multiAz: false,
    atRestEncryption: false,
    clusterEnabled: false,
    nodeGroups: [
      {
        id: "0001",
        primaryEndpointPort: endpoints.primary,
        readerEndpointPort: endpoints.reader,
        members: (options.members ?? [1, 2]).map((index) => member(id, index, index === 1 ? "primary" : "replica", port())),
      },
    ],
    tags: { arn: `arn:${id}`, tags: [] },
    events: [],
    maxNodes: 300,
  };
}

export async function createDefaultSubnetGroup(store: Store): Promise<void> {
  await store.subnetGroups.create({ name: "default", description: "d", vpcId: "vpc-1", subnets: [{ subnetId: "subnet-1", availabilityZone: "us-east-1a" }] }, { arn: "arn:default", tags: [] });
}
