/**
 * What both Docker-based runtimes (containers: DockerRuntime; Swarm services: SwarmRuntime) are
 * configured with and share: the options, the logged API door and the clients of the resources
 * they both use (containers, volumes, images), the owner labels, the addressing of published
 * ports, and how an engine is started inside a node's container or task.
 */
import Docker from "dockerode";
import { ENGINE_COMMAND, INTERNAL_PORT, engineLaunch, isLoopback, internalExtraPorts, type EngineLaunch } from "../engine-config.ts";
import { imageFor, type ImageTable } from "../images.ts";
import { silentLogger, type RuntimeLogger } from "../logger.ts";
import type { EngineKind, NodeSpec } from "../types.ts";
import { Containers } from "./containers.ts";
import { DockerApi } from "./docker-api.ts";
import { Images } from "./images.ts";
import type { Owner } from "./labels.ts";
import { DATA_DIR } from "./node-inputs.ts";
import { publishedExtras, type Addressing, type PublishedExtra } from "./node-record.ts";
import { Volumes } from "./volumes.ts";

export interface DockerKitOptions {
  /** Resolved engine/version -> image table (see images.ts: resolveImageTable). */
  images: ImageTable;
  /** The installation this runtime belongs to: in every name and label; only its objects are seen. */
  installationId: string;
  /** The Docker API socket (for Swarm: a manager's); default DOCKER_HOST or /var/run/docker.sock. */
  socketPath?: string;
  /**
   * Host address ports are published on (Docker), and where the control plane reaches them;
   * default 127.0.0.1. Swarm publishes on all of the host's addresses and uses it only to reach them.
   */
  publishHost?: string;
  /** Host name clients use to reach published ports (clientAddress); default 127.0.0.1. */
  advertisedHost?: string;
  /**
   * The control plane runs in a container attached to the nodes' networks: it reaches nodes by
   * alias and internal port (adminAddress), not through published ports.
   */
  controlPlaneInDocker?: boolean;
  /** Instance prefix of names and of the prefix label; default "ecl-". */
  namePrefix?: string;
  /** Executable per engine inside the images; default ENGINE_COMMAND (redis-server, valkey-server, memcached). */
  commands?: Partial<Record<EngineKind, string>>;
  /** How long start()/restart() wait for the engine to accept connections; default per runtime. */
  readyTimeoutMs?: number;
  /** restart(): SIGTERM, then SIGKILL after this long; default 5 s (rounded up to seconds). */
  stopTimeoutMs?: number;
  /** Give up pulling a missing image after this long; default 5 min. */
  pullTimeoutMs?: number;
  logger?: RuntimeLogger;
}

/** A spec's image and engine start, with the inside port of each extra port. */
export interface EngineStart {
  image: string;
  launch: EngineLaunch;
  extras: PublishedExtra[];
}

export class DockerKit {
  readonly log: RuntimeLogger;
  readonly api: DockerApi;
  readonly prefix: string;
  readonly owner: Owner;
  readonly addressing: Addressing;
  readonly commands: Record<EngineKind, string>;
  /** Whole seconds, as Docker takes them. */
  readonly stopTimeoutSec: number;
  readonly containers: Containers;
  readonly volumes: Volumes;
  readonly imageStore: Images;
  private readonly images: ImageTable;

  constructor(opts: DockerKitOptions) {
    this.log = opts.logger ?? silentLogger;
    this.api = new DockerApi(new Docker(opts.socketPath ? { socketPath: opts.socketPath } : undefined), this.log);
    this.images = opts.images;
    this.prefix = opts.namePrefix ?? "ecl-";
    this.owner = { prefix: this.prefix, installation: opts.installationId };
    this.addressing = { publishHost: opts.publishHost ?? "127.0.0.1", advertisedHost: opts.advertisedHost ?? "127.0.0.1", inDocker: opts.controlPlaneInDocker ?? false };
    this.commands = { ...ENGINE_COMMAND, ...(opts.commands ?? {}) };
    this.stopTimeoutSec = Math.max(0, Math.ceil((opts.stopTimeoutMs ?? 5_000) / 1000));
    this.containers = new Containers(this.api);
    this.volumes = new Volumes(this.api, this.owner);
    this.imageStore = new Images(this.api, opts.pullTimeoutMs ?? 300_000, this.log);
  }

  /**
   * The spec's engine as it runs in a node's container: on its default port on every address of
   * the container, data in the volume at DATA_DIR, the node's files at `filesDir`. On the host's
   * network (spec.hostNetwork) it listens on the host ports themselves at the publish address, as a
   * process does.
   */
  engineStart(spec: NodeSpec, filesDir: string): EngineStart {
    const image = imageFor(this.images, spec.engine, spec.engineVersion);
    const host = spec.hostNetwork === true;
    const extras = publishedExtras(spec);
    const launch = engineLaunch(spec, {
      port: host ? spec.hostPort : INTERNAL_PORT[spec.engine],
      extraPorts: Object.fromEntries(extras.map((extra) => [extra.name, extra.internal])),
      bind: host ? this.addressing.publishHost : "0.0.0.0",
      dir: DATA_DIR,
      filesDir,
      // Through published ports clients arrive from outside the container's loopback; on the host's network, as to a process.
      protectedMode: host && isLoopback(this.addressing.publishHost),
      memcachedUser: "nobody", // ignored by memcached when the image already runs as a non-root user
    });
    return { image, launch, extras };
  }

  clear(): void {
    this.imageStore.clear();
  }
}
