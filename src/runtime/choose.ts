/**
 * Picks the node runtime: Docker when asked for, or with "auto" when the Docker API answers;
 * local processes otherwise.
 */
import Docker from "dockerode";
import { DockerRuntime } from "./docker/index.ts";
import { resolveImageTable, type ImageOverrides } from "./images.ts";
import type { RuntimeLogger } from "./logger.ts";
import { ProcessRuntime } from "./process/index.ts";
import type { NodeRuntime } from "./types.ts";

export interface RuntimeChoiceOptions {
  choice: "auto" | "docker" | "process";
  dockerSocket: string;
  images: ImageOverrides;
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

export async function chooseRuntime(options: RuntimeChoiceOptions): Promise<NodeRuntime> {
  if (options.choice !== "process") {
    const docker = new Docker({ socketPath: options.dockerSocket });
    if (await dockerAnswers(docker)) {
      return new DockerRuntime({
        docker,
        images: resolveImageTable(options.images),
        publishHost: options.nodeHost,
        advertisedHost: options.advertisedHost,
        controlPlaneInDocker: options.inDocker,
        namePrefix: `${options.instance}-`,
        logger: options.logger,
      });
    }
    if (options.choice === "docker") {
      throw new Error(`ECL_RUNTIME=docker but the Docker API at ${options.dockerSocket} does not answer`);
    }
  }
  return new ProcessRuntime({
    dataDir: options.dataDir,
    redisServerPath: options.redisServerPath,
    memcachedPath: options.memcachedPath,
    valkeyServerPath: options.valkeyServerPath,
    bindHost: options.nodeHost,
    logger: options.logger,
  });
}
