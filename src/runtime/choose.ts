/**
 * Picks the node runtime: Docker when asked for, or with "auto" when the Docker API answers;
 * local processes otherwise.
 */
import Docker from "dockerode";
import { DockerRuntime } from "./docker/index.ts";
import { DEFAULT_IMAGES, LOCAL_IMAGES, resolveImageTable, type ImageOverrides } from "./images.ts";
import type { RuntimeLogger } from "./logger.ts";
import { ProcessRuntime } from "./process/index.ts";
import type { NodeRuntime } from "./types.ts";

export interface RuntimeChoiceOptions {
  choice: "auto" | "docker" | "process";
  dockerSocket: string;
  images: ImageOverrides;
  /** Images set explicitly; otherwise local images stand in for official ones that are not present. */
  imagesChosen: boolean;
  instance: string;
  dataDir: string;
  nodeHost: string;
  advertisedHost: string;
  inDocker: boolean;
  redisServerPath: string;
  memcachedPath: string;
  valkeyServerPath: string;
  logger: RuntimeLogger;
}

async function dockerAnswers(docker: Docker): Promise<boolean> {
  try {
    await Promise.race([docker.ping(), new Promise((_, reject) => setTimeout(() => reject(new Error("timeout")), 2000))]);
    return true;
  } catch {
    return false;
  }
}

/**
 * Without explicit image settings: for each engine whose official images are all absent but whose
 * local image (scripts/build-images.sh) is present, use the local image, so a machine without a
 * registry works out of the box. Valkey is left alone: the local image runs the Redis binary.
 */
async function imagesFor(docker: Docker, options: RuntimeChoiceOptions): Promise<ImageOverrides> {
  if (options.imagesChosen) return options.images;
  const present = new Set((await docker.listImages()).flatMap((image) => image.RepoTags ?? []));
  const overrides: ImageOverrides = { ...options.images };
  for (const engine of ["redis", "memcached"] as const) {
    const officialPresent = Object.values(DEFAULT_IMAGES[engine]).some((image) => present.has(image));
    if (!officialPresent && present.has(LOCAL_IMAGES[engine])) overrides[engine] = LOCAL_IMAGES[engine];
  }
  return overrides;
}

export interface ChosenRuntime {
  runtime: NodeRuntime;
  /** The image overrides in force (for the engine catalog). */
  images: ImageOverrides;
}

export async function chooseRuntime(options: RuntimeChoiceOptions): Promise<ChosenRuntime> {
  if (options.choice !== "process") {
    const docker = new Docker({ socketPath: options.dockerSocket });
    if (await dockerAnswers(docker)) {
      const images = await imagesFor(docker, options);
      const runtime = new DockerRuntime({
        docker,
        images: resolveImageTable(images),
        publishHost: options.nodeHost,
        advertisedHost: options.advertisedHost,
        controlPlaneInDocker: options.inDocker,
        namePrefix: `${options.instance}-`,
        logger: options.logger,
      });
      return { runtime, images };
    }
    if (options.choice === "docker") {
      throw new Error(`ECL_RUNTIME=docker but the Docker API at ${options.dockerSocket} does not answer`);
    }
  }
  const runtime = new ProcessRuntime({
    dataDir: options.dataDir,
    redisServerPath: options.redisServerPath,
    memcachedPath: options.memcachedPath,
    valkeyServerPath: options.valkeyServerPath,
    bindHost: options.nodeHost,
    logger: options.logger,
  });
  return { runtime, images: options.images };
}
