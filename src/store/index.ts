/**
 * The store: repositories returning plain domain objects (domain/model.ts), each write one
 * transaction with its events and the rules that keep concurrent writers correct. The only part
 * of the code that knows Prisma and the database.
 */
import { AutomaticBackupRepository } from "./automatic-backups.ts";
import { AccessControlRepository } from "./access-control.ts";
import { CacheClusterRepository } from "./cache-clusters.ts";
import { databaseKindOf, migrate, openDatabase, type Db } from "./database.ts";
import { EventRepository } from "./events.ts";
import { fencedDb } from "./fencing.ts";
import { queryIn } from "./joined-reads.ts";
import { openReadConnection, type ReadConnection } from "./read-connection.ts";
import { uncached, versionedCache } from "./read-cache.ts";
import { FailoverRepository } from "./failovers.ts";
import { InstallationRepository } from "./installation.ts";
import { NodeRepository } from "./nodes.ts";
import { readOverview, type Overview } from "./overview.ts";
import { PortRepository, type PortPool } from "./ports.ts";
import { ReplicationGroupRepository } from "./replication-groups.ts";
import { SnapshotRepository } from "./snapshots.ts";
import { ParameterGroupRepository } from "./parameter-groups.ts";
import { ResetRepository } from "./reset.ts";
import { SubnetGroupRepository } from "./subnet-groups.ts";
import { TagRepository } from "./tags.ts";

export class Store {
  readonly subnetGroups: SubnetGroupRepository;
  readonly replicationGroups: ReplicationGroupRepository;
  readonly cacheClusters: CacheClusterRepository;
  readonly nodes: NodeRepository;
  readonly failovers: FailoverRepository;
  readonly events: EventRepository;
  readonly tags: TagRepository;
  readonly ports: PortRepository;
  readonly installation: InstallationRepository;
  readonly snapshots: SnapshotRepository;
  readonly parameterGroups: ParameterGroupRepository;
  readonly automaticBackups: AutomaticBackupRepository;
  readonly reset: ResetRepository;
  readonly accessControl: AccessControlRepository;

  /**
   * `reads`: a separate read-only connection for the Describe reads (SQLite); without it they go
   * through Prisma, uncached (PostgreSQL: see openStore).
   */
  constructor(
    private readonly db: Db,
    private readonly portPool: PortPool,
    private readonly reads?: ReadConnection,
  ) {
    const query = reads?.query ?? queryIn(db);
    const cache = reads ? versionedCache(reads.version) : uncached;
    this.subnetGroups = new SubnetGroupRepository(db);
    this.replicationGroups = new ReplicationGroupRepository(db, query, cache);
    this.cacheClusters = new CacheClusterRepository(db, query, cache);
    this.nodes = new NodeRepository(db);
    this.failovers = new FailoverRepository(db);
    this.events = new EventRepository(db);
    this.tags = new TagRepository(db);
    this.ports = new PortRepository(db, portPool);
    this.installation = new InstallationRepository(db);
    this.snapshots = new SnapshotRepository(db);
    this.parameterGroups = new ParameterGroupRepository(db);
    this.automaticBackups = new AutomaticBackupRepository(db);
    this.reset = new ResetRepository(db);
    this.accessControl = new AccessControlRepository(db);
  }

  /**
   * The same store whose writes go through only while `epoch` is the leader lease's (fencing.ts):
   * the leader's controllers write through it, the API through this one. It shares this store's
   * connections; closing this store closes both.
   */
  fenced(epoch: number): Store {
    return new Store(fencedDb(this.db, epoch), this.portPool, this.reads);
  }

  /** Statuses of every resource and node, for the reconciler's pass. */
  overview(): Promise<Overview> {
    return readOverview(this.db);
  }

  async close(): Promise<void> {
    this.reads?.close();
    await this.db.$disconnect();
  }
}

/** Applies pending migrations and opens the store. Returns the migrations it applied. */
export async function openStore(databaseUrl: string, ports: PortPool): Promise<{ store: Store; migrated: string[] }> {
  const migrated = await migrate(databaseUrl);
  // PostgreSQL has no counterpart of SQLite's data_version that is free to read: another control
  // plane's commits are only seen by asking the server, which costs about what the read itself
  // costs. So on PostgreSQL the Describe reads go through Prisma and are not cached (read-cache.ts).
  const reads = databaseKindOf(databaseUrl) === "sqlite" ? openReadConnection(databaseUrl) : undefined;
  return { store: new Store(openDatabase(databaseUrl), ports, reads), migrated };
}

export { AlreadyExistsError, FencedOutError, InUseError, NotFoundError, PortTakenError, QuotaError, StaleWriteError, TagNotFoundError } from "./errors.ts";
export type { Entity } from "./errors.ts";
export type { PortPool } from "./ports.ts";
export type { NewCluster, NewNode } from "./members.ts";
export type { NewReplicationGroup, NewNodeGroup, GroupSettingsChange } from "./replication-groups.ts";
export type { ClusterChange, GroupGuard } from "./cache-clusters.ts";
export type { NewUser, UserChange } from "./access-control.ts";
export type { NewSubnetGroup } from "./subnet-groups.ts";
export type { NodeKey, NodePlacement, ProbedNode } from "./nodes.ts";
export type { NodeGroupKey } from "./failovers.ts";
export type { Overview } from "./overview.ts";
export type { ApplyAs, ParameterGroup } from "./parameter-groups.ts";
export type { NewSnapshot, SnapshotFilter, SnapshotSourceGuard } from "./snapshots.ts";
export type { ResetCounts } from "./reset.ts";
