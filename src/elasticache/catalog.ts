/**
 * The catalog's rules as AWS applies them to requests: which engine version a request means,
 * which parameter group it may name, which node types exist. The data lives in domain/catalog.ts.
 */
import { defaultParameterGroupOf, memoryOf, NODE_TYPES, type Catalog, type Engine, type EngineOffer } from "../domain/catalog.ts";
import { errors, AwsError } from "../aws/errors.ts";

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

/** The parameter group a request names, or its engine family's default; services check that it exists and fits (ParameterGroupService.resolveFor). */
export function parameterGroupFor(engineOffer: EngineOffer, requested?: string): string {
  return requested ?? defaultParameterGroupOf(engineOffer);
}

/** Checks a requested node type; returns its memory in MiB. */
export function nodeTypeMemory(nodeType: string): number {
  const memory = memoryOf(nodeType);
  if (memory === undefined) {
    throw errors.invalidParameterValue(`Invalid CacheNodeType ${nodeType}; supported: ${Object.keys(NODE_TYPES).join(", ")}.`);
  }
  return memory;
}
