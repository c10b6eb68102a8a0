/**
 * What this machine can run: engines and versions (probed from the runtime at start-up), node
 * types with their memory, and the default parameter groups. DescribeCacheEngineVersions lists
 * exactly this, and create operations accept only what it lists.
 */
import { errors, AwsError } from "./errors.ts";

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

const majorMinor = (version: string) => version.split(".").slice(0, 2).join(".");

/**
 * The offer a request means: no version -> the newest; "7", "7.0" or "7.0.x" -> the offer with
 * that major (and minor). Anything else cannot run here.
 */
export function resolveEngine(catalog: Catalog, engine: Engine, requested?: string): EngineOffer {
  const offers = catalog.engines.filter((candidate) => candidate.engine === engine);
  if (offers.length === 0) {
    throw errors.invalidParameterValue(`Engine ${engine} is not available on this machine; see DescribeCacheEngineVersions.`);
  }
  if (requested === undefined) return offers[offers.length - 1];
  if (!/^\d+(\.\d+){0,2}$/.test(requested)) throw errors.invalidParameterValue(`Invalid EngineVersion "${requested}".`);
  const parts = requested.split(".").length;
  const match = offers.find((candidate) =>
    parts === 1 ? candidate.version.split(".")[0] === requested : majorMinor(candidate.version) === majorMinor(requested),
  );
  if (!match) {
    const available = offers.map((candidate) => candidate.version).join(", ");
    throw errors.invalidParameterValue(`Engine version ${requested} of ${engine} is not available on this machine (available: ${available}).`);
  }
  return match;
}

/** Default parameter groups exist for every family; only defaults are supported. */
export function parameterGroupFor(engineOffer: EngineOffer, requested?: string): string {
  const name = `default.${engineOffer.family}`;
  if (requested === undefined || requested === name) return name;
  throw new AwsError("CacheParameterGroupNotFound", `CacheParameterGroup ${requested} not found.`);
}

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

export function nodeTypeMemory(nodeType: string): number {
  const memory = NODE_TYPES[nodeType];
  if (memory === undefined) {
    throw errors.invalidParameterValue(`Invalid CacheNodeType ${nodeType}; supported: ${Object.keys(NODE_TYPES).join(", ")}.`);
  }
  return memory;
}
