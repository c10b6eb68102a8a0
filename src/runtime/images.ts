/**
 * Engine/version -> container image table. The defaults name the official images; a deployment
 * without a registry uses the images built by `bash scripts/build-images.sh` (LOCAL_IMAGES), or any
 * other image, through overrides. Runtime code never reads the environment: the entry point calls
 * `imageOverridesFromEnv(process.env)`, resolves the table once and hands it to the DockerRuntime.
 *
 * Table shape: engine -> version key -> image. A version key is a full version ("7.0.15"), a prefix
 * ("7.0", "7") or "*" (any version). Lookup tries the exact version, then ever shorter dotted
 * prefixes, then "*".
 */
import { RuntimeError } from "./errors.ts";
import type { EngineKind } from "./types.ts";

export type ImageTable = Record<EngineKind, Record<string, string>>;

/** Per engine: one image for every version (string) or version key -> image entries merged onto the defaults. */
export type ImageOverrides = Partial<Record<EngineKind, string | Record<string, string>>>;

export const DEFAULT_IMAGES: Readonly<ImageTable> = Object.freeze({
  redis: {
    "4.0": "redis:4.0",
    "5.0": "redis:5.0",
    "6.0": "redis:6.0",
    "6.2": "redis:6.2",
    "6": "redis:6.2",
    "7.0": "redis:7.0",
    "7.1": "redis:7.2", // ElastiCache 7.1 ~ OSS 7.2
    "7": "redis:7.2",
    "*": "redis:7.0",
  },
  valkey: {
    "7.2": "valkey/valkey:7.2",
    "8.0": "valkey/valkey:8.0",
    "8.1": "valkey/valkey:8.1",
    "8": "valkey/valkey:8.1",
    "*": "valkey/valkey:7.2",
  },
  memcached: {
    "1.4": "memcached:1.4",
    "1.5": "memcached:1.5",
    "1.6": "memcached:1.6",
    "*": "memcached:1.6",
  },
});

/** The images `scripts/build-images.sh` builds from the host's binaries (Valkey runs on the Redis binary). */
export const LOCAL_IMAGES: Readonly<Record<EngineKind, string>> = Object.freeze({
  redis: "elasticache-local/redis:7.0",
  valkey: "elasticache-local/redis:7.0",
  memcached: "elasticache-local/memcached:1.6",
});

const ENGINES: EngineKind[] = ["redis", "valkey", "memcached"];

/** Defaults with overrides applied. A string override replaces the engine's whole map with { "*": image }. */
export function resolveImageTable(overrides: ImageOverrides = {}, base: Readonly<ImageTable> = DEFAULT_IMAGES): ImageTable {
  const table = {} as ImageTable;
  for (const engine of ENGINES) {
    const o = overrides[engine];
    if (typeof o === "string") table[engine] = { "*": o };
    else table[engine] = { ...base[engine], ...(o ?? {}) };
  }
  return table;
}

/** The image for an engine version; throws RuntimeError("InvalidSpec") if the table has no entry. */
export function imageFor(table: ImageTable, engine: EngineKind, version: string): string {
  const map = table[engine];
  if (!map) throw new RuntimeError("InvalidSpec", `No image table for engine "${engine}"`);
  const parts = version.split(".");
  for (let n = parts.length; n > 0; n--) {
    const hit = map[parts.slice(0, n).join(".")];
    if (hit) return hit;
  }
  const any = map["*"];
  if (any) return any;
  throw new RuntimeError("InvalidSpec", `No image configured for ${engine} ${version}`);
}

/**
 * Reads overrides from an environment object (pass process.env):
 *   ECL_IMAGES=local                  -> LOCAL_IMAGES for every engine (then the per-engine vars below win)
 *   ECL_IMAGE_REDIS=img               -> that image for every Redis version
 *   ECL_IMAGE_REDIS="7.0=a,6.2=b"     -> per version key
 *   ECL_IMAGE_VALKEY, ECL_IMAGE_MEMCACHED likewise.
 */
export function imageOverridesFromEnv(env: Record<string, string | undefined>): ImageOverrides {
  const out: ImageOverrides = {};
  if ((env.ECL_IMAGES ?? "").trim().toLowerCase() === "local") Object.assign(out, LOCAL_IMAGES);
  for (const engine of ENGINES) {
    const raw = env[`ECL_IMAGE_${engine.toUpperCase()}`]?.trim();
    if (!raw) continue;
    if (!raw.includes("=")) {
      out[engine] = raw;
      continue;
    }
    const map: Record<string, string> = {};
    for (const entry of raw.split(",")) {
      const eq = entry.indexOf("=");
      if (eq <= 0) throw new RuntimeError("InvalidSpec", `ECL_IMAGE_${engine.toUpperCase()}: bad entry "${entry}" (expected version=image)`);
      map[entry.slice(0, eq).trim()] = entry.slice(eq + 1).trim();
    }
    out[engine] = map;
  }
  return out;
}

/** Message for an image that is neither local nor pullable. */
export function imageUnavailableMessage(image: string, reason?: string): string {
  return (
    `Docker image "${image}" is not available locally and could not be pulled` +
    (reason ? ` (${reason})` : "") +
    `. Build the local images with \`bash scripts/build-images.sh\` and use them ` +
    `(ECL_IMAGES=local, or ECL_IMAGE_REDIS / ECL_IMAGE_VALKEY / ECL_IMAGE_MEMCACHED).`
  );
}
