/** DescribeCacheEngineVersions: exactly the engines and versions this machine can run. */
import type { ServiceContext } from "./context.ts";
import { page, pageRequest } from "./paging.ts";
import { oneOf, optionalBool, optionalString } from "./validate.ts";
import type { InputOf, OutputOf } from "../aws/operations.ts";

export class EngineVersionService {
  constructor(private readonly ctx: ServiceContext) {}

  async describe(input: InputOf<"DescribeCacheEngineVersions">): Promise<OutputOf<"DescribeCacheEngineVersions">> {
    const request = pageRequest(input);
    const engine = oneOf(input.Engine, "Engine", ["redis", "valkey", "memcached"] as const);
    const version = optionalString(input.EngineVersion, "EngineVersion", 20);
    const family = optionalString(input.CacheParameterGroupFamily, "CacheParameterGroupFamily", 64);
    const defaultOnly = optionalBool(input.DefaultOnly, "DefaultOnly") ?? false;
    let offers = this.ctx.catalog.engines.filter(
      (offer) =>
        (engine === undefined || offer.engine === engine) &&
        (version === undefined || offer.version === version || offer.version.startsWith(`${version}.`)) &&
        (family === undefined || offer.family === family),
    );
    if (defaultOnly) {
      // The newest version of each engine is its default.
      offers = offers.filter((offer, index) => !offers.slice(index + 1).some((later) => later.engine === offer.engine));
    }
    const result = page(offers, (offer) => `${offer.engine}/${offer.version}`, request);
    return {
      Marker: result.Marker,
      CacheEngineVersions: result.items.map((offer) => ({
        Engine: offer.engine,
        EngineVersion: offer.version,
        CacheParameterGroupFamily: offer.family,
        CacheEngineDescription: offer.description,
        CacheEngineVersionDescription: `${offer.description} ${offer.version}`,
      })),
    };
  }
}
