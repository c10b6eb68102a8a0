/**
 * The runtime contract: how a cache node is started, found, restarted and removed. Two
 * implementations (Docker containers, local processes) satisfy it; nothing here names Docker,
 * dockerode, ElastiCache or Prisma, so the reconciler can drive either one.
 */
export type EngineKind = "redis" | "valkey" | "memcached";

export interface Address {
  host: string;
  port: number;
}

export interface NodeSpec {
  /** Stable unique name of the node, e.g. "my-group-001-0001". Lowercase letters, digits, hyphens. */
  name: string;
  engine: EngineKind;
  engineVersion: string;
  /** Host port the node must be reachable on (published port for Docker, bound port for processes). */
  hostPort: number;
  /** Network the node belongs to (the cache subnet group); Docker attaches the container to it. */
  network: string;
  /** Memory budget from the node type table. */
  maxMemoryMb: number;
  /** Extra engine settings, e.g. { "maxmemory-policy": "volatile-lru" } for Redis. */
  settings?: Record<string, string>;
  /** Opaque labels recorded with the node (resource ids), returned by list(). */
  labels?: Record<string, string>;
}

export interface NodeHandle {
  name: string;
  /** Container id or pid, as a string. */
  runtimeId: string;
  /** Where the control plane reaches the node (admin commands, health probes, proxy upstream). */
  adminAddress: Address;
  /** Where other nodes reach it (REPLICAOF target). Inside a Docker network this is the container name. */
  peerAddress: Address;
  /** Where clients on the host reach it directly. */
  clientAddress: Address;
}

export interface ObservedNode extends NodeHandle {
  running: boolean;
  labels: Record<string, string>;
}

export interface NodeRuntime {
  readonly kind: "docker" | "process";
  /** Starts the node, or adopts it when a node of that name already runs (idempotent). Resolves once the engine accepts connections. */
  start(spec: NodeSpec): Promise<NodeHandle>;
  /** Restarts a node in place keeping its name, port and data directory; resolves once it accepts connections. */
  restart(name: string): Promise<NodeHandle>;
  /** Sends SIGKILL (used by failover tests and TestFailover). "Not running" is success. */
  kill(name: string): Promise<void>;
  /** Stops and removes the node and everything it owns (container, process, directory). "Already gone" is success. */
  remove(name: string): Promise<void>;
  /** Every node this runtime manages (ours by label or pid file), running or not. */
  list(): Promise<ObservedNode[]>;
  /** Removes a network the runtime created for a subnet group when nothing uses it. */
  removeNetwork?(network: string): Promise<void>;
  close(): Promise<void>;
}
