/**
 * Builds the engine catalog at start-up from what can really run: for local processes, the
 * versions of the binaries on this machine; for Docker, the versions of the configured images
 * (the local images carry the host's binaries, so their versions are the binaries' versions).
 * An image the engine does not hold is not offered (when the engine's image list is given): a
 * version offered and then ending in create-failed for want of its image is worse than none.
 */
import { binaryVersion } from "./engines/versions.ts";
import { LOCAL_IMAGES, resolveImageTable, type ImageOverrides } from "./runtime/images.ts";
import { offer, type Catalog, type Engine, type EngineOffer } from "./domain/catalog.ts";

export interface ProbeOptions {
  runtime: "docker" | "process";
  images: ImageOverrides;
  binaries: Record<Engine, string>;
  /** Docker: the image tags the engine holds; without it every configured image is offered. */
  presentImages?: Set<string>;
  /** Told each version left out for want of its image. */
  onMissingImage?: (engine: Engine, version: string, image: string) => void;
}

const FLAGS: Record<Engine, "--version" | "-V"> = { redis: "--version", valkey: "--version", memcached: "-V" };

export async function probeCatalog(options: ProbeOptions): Promise<Catalog> {
  const table = resolveImageTable(options.images);
  const engines: EngineOffer[] = [];
  for (const engine of ["memcached", "redis", "valkey"] as const) {
    const usesHostBinary =
      options.runtime === "process" || Object.values(table[engine]).every((image) => image === LOCAL_IMAGES[engine]);
    if (usesHostBinary) {
      // The local images run Valkey on the Redis binary; only a real valkey-server offers Valkey.
      if (options.runtime === "docker" && engine === "valkey") continue;
      const version = await binaryVersion(options.binaries[engine], FLAGS[engine]);
      if (version) engines.push(offer(engine, version));
    } else {
      const versions = Object.keys(table[engine]).filter((key) => /^\d+\.\d+$/.test(key));
      for (const version of versions.sort((a, b) => a.localeCompare(b, undefined, { numeric: true }))) {
        const image = table[engine][version];
        if (options.presentImages && !options.presentImages.has(image)) {
          options.onMissingImage?.(engine, version, image);
          continue;
        }
        engines.push(offer(engine, version));
      }
    }
  }
  return { engines };
}
