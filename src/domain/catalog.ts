/**
 * What this machine can run: engines and versions (probed from the runtime at start-up), node
 * types with their memory, and the default parameter groups' settings. Plain data and pure
 * lookups, shared by the operations (which validate requests against it) and the controllers
 * (which size and configure nodes from it).
 */

export type Engine = "redis" | "valkey" | "memcached";

export interface EngineOffer {
  engine: Engine;
  /** The version nodes really run, e.g. "7.0.15". */
  version: string;
  family: string;
  description: string;
}

export interface Catalog {
  engines: EngineOffer[];
}

const DESCRIPTIONS: Record<Engine, string> = {
  redis: "Redis",
  valkey: "Valkey",
  memcached: "memcached",
};

export function familyOf(engine: Engine, version: string): string {
  const [major, minor] = version.split(".");
  if (engine === "memcached") return `memcached${major}.${minor}`;
  if (engine === "redis" && Number(major) < 6) return `redis${major}.${minor}`;
  return `${engine}${major}`;
}

export function offer(engine: Engine, version: string): EngineOffer {
  return { engine, version, family: familyOf(engine, version), description: DESCRIPTIONS[engine] };
}

/** The default parameter group of an engine family. */
export const defaultParameterGroupOf = (engineOffer: EngineOffer) => `default.${engineOffer.family}`;

/** maxmemory-policy of the default Redis/Valkey parameter groups on AWS. */
export const DEFAULT_MAXMEMORY_POLICY = "volatile-lru";

/**
 * Node types and the memory AWS gives each (MiB), used as Redis maxmemory and Memcached -m.
 * Memory is a cap, not an allocation: a cache.r6g.large node uses only what it stores.
 */
export const NODE_TYPES: Record<string, number> = {
  "cache.t2.micro": 555,
  "cache.t2.small": 1588,
  "cache.t2.medium": 3301,
  "cache.t3.micro": 512,
  "cache.t3.small": 1403,
  "cache.t3.medium": 3164,
  "cache.t4g.micro": 512,
  "cache.t4g.small": 1403,
  "cache.t4g.medium": 3164,
  "cache.m5.large": 6537,
  "cache.m5.xlarge": 13248,
  "cache.m6g.large": 6537,
  "cache.m6g.xlarge": 13248,
  "cache.m7g.large": 6537,
  "cache.r5.large": 13384,
  "cache.r6g.large": 13384,
  "cache.r6g.xlarge": 26931,
  "cache.r7g.large": 13384,
};

export const DEFAULT_NODE_TYPE = "cache.t3.micro";

/** Memory of a node type in MiB; undefined for a type the catalog does not know. */
export function memoryOf(nodeType: string): number | undefined {
  return Object.hasOwn(NODE_TYPES, nodeType) ? NODE_TYPES[nodeType] : undefined;
}

/** The default parameter group with `cluster-enabled yes` (`default.redis7.cluster.on`): naming it asks for cluster mode. */
export const clusterParameterGroupOf = (engineOffer: EngineOffer) => `${defaultParameterGroupOf(engineOffer)}.cluster.on`;
