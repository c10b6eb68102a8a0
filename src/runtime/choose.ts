/**
 * Picks the node runtime: Docker when asked for, or with "auto" when the Docker API answers;
 * local processes otherwise. Swarm only when asked for ("auto" never picks it: a swarm is an
 * operator's choice), and only on a swarm manager.
 */
import { DockerRuntime, dockerAnswers, localImageOverrides, presentImages } from "./docker/index.ts";
import { resolveImageTable, type ImageOverrides } from "./images.ts";
import type { RuntimeLogger } from "./logger.ts";
import { ProcessRuntime } from "./process/index.ts";
import { SwarmRuntime, swarmRole } from "./swarm/index.ts";
import type { NodeRuntime } from "./types.ts";

export interface RuntimeChoiceOptions {
  choice: "auto" | "docker" | "swarm" | "process";
  dockerSocket: string;
  images: ImageOverrides;
  /** Images set explicitly; otherwise local images stand in for official ones that are not present. */
  imagesChosen: boolean;
  instance: string;
  /** This installation's id (from the store): in every name, label and node.json the runtime writes. */
  installationId: string;
  dataDir: string;
  nodeHost: string;
  advertisedHost: string;
  inDocker: boolean;
  redisServerPath: string;
  memcachedPath: string;
  valkeyServerPath: string;
  /** Swarm: key of the swarm node label naming a node's zone (undefined: the runtime's default). */
  swarmZoneLabel?: string;
  logger: RuntimeLogger;
}

/** ECL_RUNTIME=docker and no Docker engine answers: the start-up stops with this one line. */
export class DockerUnavailable extends Error {}

export interface ChosenRuntime {
  runtime: NodeRuntime;
  /** The image overrides in force (for the engine catalog). */
  images: ImageOverrides;
  /** Docker: the image tags present when the runtime was chosen (the catalog offers only those). */
  presentImages?: Set<string>;
}

export async function chooseRuntime(options: RuntimeChoiceOptions): Promise<ChosenRuntime> {
  if (options.choice !== "process") {
    if (await dockerAnswers(options.dockerSocket)) {
      const images = options.imagesChosen ? options.images : await localImageOverrides(options.dockerSocket, options.images);
      const common = {
        socketPath: options.dockerSocket,
        images: resolveImageTable(images),
        publishHost: options.nodeHost,
        advertisedHost: options.advertisedHost,
        controlPlaneInDocker: options.inDocker,
        namePrefix: `${options.instance}-`,
        installationId: options.installationId,
        logger: options.logger,
      };
      const present = await presentImages(options.dockerSocket);
      if (options.choice !== "swarm") return { runtime: new DockerRuntime(common), images, presentImages: present };
      const role = await swarmRole(options.dockerSocket);
      if (role !== "manager") {
        throw new DockerUnavailable(
          `ECL_RUNTIME=swarm but the Docker engine at ${options.dockerSocket} is ${role === "worker" ? "a swarm worker, not a manager" : "in no swarm"}: ` +
            "point DOCKER_SOCKET at a swarm manager, or make this engine one with `docker swarm init --advertise-addr 127.0.0.1`",
        );
      }
      return { runtime: new SwarmRuntime({ ...common, zoneLabel: options.swarmZoneLabel }), images, presentImages: present };
    }
    if (options.choice === "docker" || options.choice === "swarm") {
      throw new DockerUnavailable(
        `ECL_RUNTIME=${options.choice} but no Docker engine answers at ${options.dockerSocket}: start it (dockerd, Docker Desktop), point DOCKER_SOCKET at it, or set ECL_RUNTIME=auto to run nodes as local processes`,
      );
    }
  }
  const runtime = new ProcessRuntime({
    dataDir: options.dataDir,
    installationId: options.installationId,
    redisServerPath: options.redisServerPath,
    memcachedPath: options.memcachedPath,
    valkeyServerPath: options.valkeyServerPath,
    bindHost: options.nodeHost,
    logger: options.logger,
  });
  return { runtime, images: options.images };
}
