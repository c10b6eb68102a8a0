/**
 * The runtime contract: how a cache node is started, found, restarted and removed. Three
 * implementations (Docker containers, Docker Swarm services, local processes) satisfy it; nothing here names Docker,
 * dockerode, ElastiCache or Prisma, so the controllers can drive either one.
 */
export type EngineKind = "redis" | "valkey" | "memcached";

/** Which implementation a NodeRuntime is. */
export type RuntimeKind = "docker" | "swarm" | "process";

export interface Address {
  host: string;
  port: number;
}

/**
 * A port besides the client port. The runtime picks the port inside the node (process: the host
 * port itself; Docker: a fixed internal port per name, see EXTRA_INTERNAL_PORTS) and, with
 * `setting`, hands that inside port to the engine as that setting (Redis `cluster-port` for the
 * cluster bus, `tls-port` for a TLS listener).
 */
export interface ExtraPort {
  /** Lowercase letters, digits and hyphens; unique within the node. */
  name: string;
  hostPort: number;
  setting?: string;
}

export interface NodeSpec {
  /** Stable unique name of the node, e.g. "my-group-001-0001". Lowercase letters, digits, hyphens. */
  name: string;
  engine: EngineKind;
  engineVersion: string;
  /** Host port the node must be reachable on (published port for Docker, bound port for processes). */
  hostPort: number;
  /** Network the node belongs to (the cache subnet group); Docker attaches the container to it. Any string. */
  network: string;
  /** Memory budget from the node type table. */
  maxMemoryMb: number;
  /**
   * Extra engine settings, e.g. { "maxmemory-policy": "volatile-lru" } for Redis. Values may name
   * the node's files as `${files}/<name>` (see files). Not secret: they may appear in process
   * listings and container metadata.
   */
  settings?: Record<string, string>;
  /** Opaque labels recorded with the node (resource ids), returned by list(). */
  labels?: Record<string, string>;
  /** More published ports (cluster bus, TLS listener). */
  extraPorts?: ExtraPort[];
  /** The client port (hostPort) speaks TLS only (Redis: `port 0`, `tls-port` on it). TLS settings come with settings/files. */
  tlsOnly?: boolean;
  /**
   * Files the engine reads (certificates, keys), written before the engine starts into a directory
   * of the node only the engine can read (0700, files 0600). Names are plain file names.
   */
  files?: Record<string, string | Buffer>;
  /**
   * Settings that must stay secret (requirepass, masterauth, `user <name>` ACL lines): they reach
   * the engine on its stdin with the rest of its configuration, and are stored nowhere: not on a
   * command line, in container labels or environment, node.json, a file or a log. Redis/Valkey only. A `user <name>` key takes its ACL rules
   * as the value, separated by spaces; any other value is one argument.
   */
  secretSettings?: Record<string, string>;
  /** Host path of an RDB file: the node starts with that data loaded. Without it a node starts empty. */
  dataFile?: string;
  /**
   * Start as a replica of this primary (its peer address): the engine is a replica from its first
   * moment, never a master with an empty dataset. Give `masterauth` in secretSettings if needed.
   */
  replicaOf?: Address;
  /**
   * The node shares the host's network: it listens on hostPort (and its extra ports' host ports)
   * itself, as a process does, and every address of it (admin, peer, client) is a host address.
   * Redis Cluster nodes need it in Docker: the address a node announces (gossip, replication,
   * MOVED) must be one both the other nodes and clients on the host can reach, and a container on
   * a bridge network cannot reach the host's loopback-published ports. Processes ignore it.
   */
  hostNetwork?: boolean;
  /**
   * Availability zone of the node (e.g. "us-east-1a"). The Swarm runtime places the node on a swarm
   * node labelled with that zone, when any swarm node carries zone labels; the other runtimes run
   * every node on one host and ignore it.
   */
  zone?: string;
}

/** The three addresses of one port of a node. */
export interface PortAddresses {
  /** Where the control plane reaches it (admin commands, health probes, proxy upstream). */
  admin: Address;
  /** Where other nodes reach it (REPLICAOF target, cluster bus). Inside a Docker network: the node's alias. */
  peer: Address;
  /** Where clients on the host reach it directly. */
  client: Address;
}

export interface NodeHandle {
  name: string;
  /** Container id, Swarm service id or pid, as a string. */
  runtimeId: string;
  /** Where the control plane reaches the node (admin commands, health probes, proxy upstream). */
  adminAddress: Address;
  /** Where other nodes reach it (REPLICAOF target). Inside a Docker network this is the node's alias. */
  peerAddress: Address;
  /** Where clients on the host reach it directly. */
  clientAddress: Address;
  /** Addresses of each extra port, by name. */
  ports: Record<string, PortAddresses>;
}

export interface ObservedNode extends NodeHandle {
  running: boolean;
  labels: Record<string, string>;
}

export interface NodeRuntime {
  readonly kind: RuntimeKind;
  /**
   * Starts the node, or adopts it when a node of that name already runs (idempotent; a running
   * node is left as it is). Resolves once the engine answers.
   */
  start(spec: NodeSpec): Promise<NodeHandle>;
  /**
   * Restarts a node in place with the current spec (a replica follows `spec.replicaOf`), keeping
   * its name, ports, runtime id (Docker) and data directory or volume; resolves once it answers.
   * RuntimeError("NodeNotFound") for a node the runtime does not have.
   */
  restart(spec: NodeSpec): Promise<NodeHandle>;
  /** Sends SIGKILL (used by failover tests and TestFailover). "Not running" is success. */
  kill(name: string): Promise<void>;
  /** Stops and removes the node and everything it owns (container, volume, process, directory). "Already gone" is success. */
  remove(name: string): Promise<void>;
  /**
   * Copies the node's current RDB file (`dir`/`dbfilename`) to `destinationPath` on the host. The
   * caller runs BGSAVE and waits for it first. RuntimeError("NoDataFile") when there is none.
   */
  exportDataFile(name: string, destinationPath: string): Promise<void>;
  /** Every node of this installation, running or not. */
  list(): Promise<ObservedNode[]>;
  /** Removes a network the runtime created for a subnet group when nothing uses it. */
  removeNetwork?(network: string): Promise<void>;
  close(): Promise<void>;
}
