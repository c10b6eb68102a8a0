/**
 * The resources as plain objects, the way the store returns them and both the operations and the
 * controllers read them. A replication group is made of node groups (shards); a node group of
 * member clusters, each with one node, one of them the primary. Optional values are undefined,
 * never null.
 */
import type { Engine } from "./catalog.ts";
import type { NodeSecurity } from "./security.ts";

export interface Address {
  host: string;
  port: number;
}

export type Role = "primary" | "replica";
export type Desired = "present" | "absent";

export interface CacheNode {
  clusterId: string;
  nodeId: string;
  /** CacheNodeStatus: creating | available | rebooting | deleting | failed. */
  status: string;
  /** "absent" while the node is being removed. */
  desired: Desired;
  hostPort: number;
  /** Cluster mode enabled: host port of the node's cluster bus. */
  busPort?: number;
  /** Name of the node in the runtime (container, process directory). */
  runtimeName: string;
  runtimeId?: string;
  /** Where the control plane reaches the node (probes, admin commands, endpoint proxies). */
  admin?: Address;
  /** Where the other nodes reach it (REPLICAOF). */
  peer?: Address;
  /** Transit encryption "preferred": the host port of the node's TLS listener beside its plain hostPort. */
  tlsPort?: number;
  /** ... and where the control plane and the other nodes reach that listener. */
  tlsAdmin?: Address;
  tlsPeer?: Address;
  az: string;
  createdAt: Date;
}

/** What a member cluster inherits from its group, and a standalone cluster is created with. */
export interface ClusterSettings {
  engine: Engine;
  engineVersion: string;
  cacheNodeType: string;
  port: number;
  subnetGroupName: string;
  parameterGroupName: string;
  snapshotRetentionLimit: number;
  snapshotWindow?: string;
  /** VPC security group ids given on create or modify; undefined: the default group is reported. */
  securityGroupIds?: string[];
  /** Transit encryption and AUTH tokens (domain/security.ts); undefined: neither. */
  security?: NodeSecurity;
}

export interface CacheCluster extends ClusterSettings {
  id: string;
  replicationGroupId?: string;
  nodeGroupId?: string;
  /** For node group members: which one is the primary. */
  role?: Role;
  status: string;
  numCacheNodes: number;
  preferredAz: string;
  /** Memcached: the configuration endpoint's port and its Auto Discovery version. */
  configEndpointPort?: number;
  configVersion: number;
  /** Restore: the RDB file this member's node loads when it is first started. */
  dataFile?: string;
  /** The values its parameter group sets: what its nodes start with. */
  parameters: Record<string, string>;
  /** in-sync | applying | pending-reboot (AWS's ParameterApplyStatus). */
  parameterApplyStatus: string;
  /** Bumped on every write of the cluster; conditional writes name the version they read. */
  version: number;
  createdAt: Date;
  nodes: CacheNode[];
}

/**
 * A failover in progress, recorded phase by phase so a restarted control plane resumes it:
 *   decide   TestFailover asked to fail over `from`; nobody is elected yet
 *   promote  `to` is elected and is being promoted
 *   recover  `to` is the primary; `from` is being recovered as its replica
 */
export interface FailoverRecord {
  phase: "decide" | "promote" | "recover";
  from: string;
  to?: string;
  test: boolean;
}

export interface NodeGroup {
  replicationGroupId: string;
  id: string;
  status: string;
  primaryEndpointPort?: number;
  readerEndpointPort?: number;
  /** Cluster mode enabled: the hash slots the shard serves, as AWS writes them ("0-5460"). */
  slots?: string;
  failover?: FailoverRecord;
  /** Member clusters, by id. */
  members: CacheCluster[];
}

/** What a replication group is asked to be. */
export interface ReplicationGroupSettings extends ClusterSettings {
  id: string;
  description: string;
  automaticFailover: boolean;
  multiAz: boolean;
  atRestEncryption: boolean;
  /** Given with AtRestEncryptionEnabled: recorded and reported only. */
  kmsKeyId?: string;
  /** Cluster mode enabled: the nodes run Redis Cluster, node groups are shards with slots. */
  clusterEnabled: boolean;
}

/** An online resharding: the slots each node group ends with, the node groups that go, and progress (0–100). */
export interface Resharding {
  target: Record<string, string>;
  removing: string[];
  progress: number;
}

export interface ReplicationGroup extends ReplicationGroupSettings {
  status: string;
  /** Cluster mode enabled: the port of the group's configuration endpoint. */
  configEndpointPort?: number;
  /** Online resharding in progress. */
  resharding?: Resharding;
  /**
   * A restore that places keys by slot (a snapshot of another shard layout, or SnapshotArns): the
   * RDB files whose keys are loaded into the shard owning each key's slot while the group is creating.
   */
  restoreFiles?: string[];
  /** Bumped on every write of the group's own row; conditional writes name the version they read. */
  version: number;
  createdAt: Date;
  nodeGroups: NodeGroup[];
}

export interface Subnet {
  subnetId: string;
  availabilityZone: string;
}

export interface SubnetGroup {
  name: string;
  description: string;
  vpcId: string;
  createdAt: Date;
  subnets: Subnet[];
}

export interface Tag {
  key: string;
  value: string;
}
