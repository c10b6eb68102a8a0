/**
 * NodeRuntime on Docker containers. One container per node, `<prefix><name>`, on one bridge
 * network per spec.network (networks.ts), where its alias is the node name. The engine listens on
 * its default port inside the container (6379 / 11211), published on publishHost:hostPort.
 * Containers and networks carry `elasticache-local.*` labels (labels.ts); list() finds ours by
 * label, so two runtimes with different prefixes never see each other.
 *
 * The Docker calls themselves live in one module per resource (containers, networks, images), all
 * through one logged door (docker-api.ts); this file decides what to do with them.
 */
import Docker from "dockerode";
import { ENGINE_COMMAND, INTERNAL_PORT, engineArgs } from "../engine-config.ts";
import { RuntimeError } from "../errors.ts";
import { imageFor, type ImageTable } from "../images.ts";
import { silentLogger, type RuntimeLogger } from "../logger.ts";
import { KeyedMutex, NODE_NAME_RE } from "../mutex.ts";
import { waitUntilReady } from "../readiness.ts";
import type { Address, EngineKind, NodeHandle, NodeRuntime, NodeSpec, ObservedNode } from "../types.ts";
import { Containers } from "./containers.ts";
import { DockerApi, messageOf, statusOf } from "./docker-api.ts";
import { Images } from "./images.ts";
import { LABEL, fromUserLabels, isOwnedBy, ownerFilters, ownerLabels, toUserLabels } from "./labels.ts";
import { Networks } from "./networks.ts";

export interface DockerRuntimeOptions {
  /** Resolved engine/version -> image table (see images.ts: resolveImageTable). */
  images: ImageTable;
  /** The Docker API socket; default DOCKER_HOST or /var/run/docker.sock. */
  socketPath?: string;
  /** Host address ports are published on; default 127.0.0.1. */
  publishHost?: string;
  /** Host name clients use to reach published ports (clientAddress); default 127.0.0.1. */
  advertisedHost?: string;
  /**
   * The control plane runs in a container attached to the nodes' networks: it reaches nodes by
   * container name and internal port (adminAddress), not through published ports.
   */
  controlPlaneInDocker?: boolean;
  /** Prefix of container and network names; default "ecl-". */
  namePrefix?: string;
  /** Executable per engine inside the images; default ENGINE_COMMAND (redis-server, valkey-server, memcached). */
  commands?: Partial<Record<EngineKind, string>>;
  /** How long start()/restart() wait for the engine to accept connections; default 15 s. */
  readyTimeoutMs?: number;
  /** restart(): SIGTERM, then SIGKILL after this long; default 5 s (rounded up to seconds). */
  stopTimeoutMs?: number;
  /** Give up pulling a missing image after this long; default 5 min. */
  pullTimeoutMs?: number;
  logger?: RuntimeLogger;
}

export class DockerRuntime implements NodeRuntime {
  readonly kind = "docker" as const;
  private readonly images: ImageTable;
  private readonly publishHost: string;
  private readonly advertisedHost: string;
  private readonly inDocker: boolean;
  private readonly prefix: string;
  private readonly commands: Record<EngineKind, string>;
  private readonly readyTimeoutMs: number;
  private readonly stopTimeoutSec: number;
  private readonly log: RuntimeLogger;
  private readonly mutex = new KeyedMutex();
  private readonly containers: Containers;
  private readonly networks: Networks;
  private readonly imageStore: Images;

  constructor(opts: DockerRuntimeOptions) {
    this.log = opts.logger ?? silentLogger;
    const api = new DockerApi(new Docker(opts.socketPath ? { socketPath: opts.socketPath } : undefined), this.log);
    this.images = opts.images;
    this.publishHost = opts.publishHost ?? "127.0.0.1";
    this.advertisedHost = opts.advertisedHost ?? "127.0.0.1";
    this.inDocker = opts.controlPlaneInDocker ?? false;
    this.prefix = opts.namePrefix ?? "ecl-";
    this.commands = { ...ENGINE_COMMAND, ...(opts.commands ?? {}) };
    this.readyTimeoutMs = opts.readyTimeoutMs ?? 15_000;
    this.stopTimeoutSec = Math.max(0, Math.ceil((opts.stopTimeoutMs ?? 5_000) / 1000));
    this.containers = new Containers(api);
    this.networks = new Networks(api, this.prefix, this.log);
    this.imageStore = new Images(api, opts.pullTimeoutMs ?? 300_000);
  }

  containerName(node: string): string {
    return `${this.prefix}${node}`;
  }

  networkName(network: string): string {
    return this.networks.nameOf(network);
  }

  start(spec: NodeSpec): Promise<NodeHandle> {
    if (!NODE_NAME_RE.test(spec.name)) {
      return Promise.reject(new RuntimeError("InvalidSpec", `Invalid node name "${spec.name}": lowercase letters, digits and hyphens, at most 63 characters`));
    }
    if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(spec.network)) {
      return Promise.reject(new RuntimeError("InvalidSpec", `Invalid network name "${spec.network}"`));
    }
    return this.mutex.run(spec.name, () => this.startLocked(spec));
  }

  restart(name: string): Promise<NodeHandle> {
    return this.mutex.run(name, async () => {
      const cname = this.containerName(name);
      const info = await this.containers.inspect(cname);
      if (!info || !isOwnedBy(info.labels, this.prefix)) throw new RuntimeError("NodeNotFound", `No container ${cname}`);
      await this.containers.restart(cname, this.stopTimeoutSec);
      const engine = info.labels[LABEL.engine] as EngineKind;
      const hostPort = Number(info.labels[LABEL.hostPort]);
      const handle = this.handle(name, info.id, engine, hostPort);
      await this.waitReady(cname, engine, handle.adminAddress, false);
      return handle;
    });
  }

  kill(name: string): Promise<void> {
    return this.mutex.run(name, async () => {
      const cname = this.containerName(name);
      await this.containers.kill(cname);
      const deadline = performance.now() + 5_000;
      for (;;) {
        const info = await this.containers.inspect(cname);
        if (!info || !info.running || performance.now() > deadline) return;
        await new Promise((r) => setTimeout(r, 5));
      }
    });
  }

  remove(name: string): Promise<void> {
    return this.mutex.run(name, () => this.containers.remove(this.containerName(name)));
  }

  async list(): Promise<ObservedNode[]> {
    const out: ObservedNode[] = [];
    for (const c of await this.containers.list(ownerFilters(this.prefix))) {
      const name = c.labels[LABEL.node];
      if (!name) continue;
      const handle = this.handle(name, c.id, c.labels[LABEL.engine] as EngineKind, Number(c.labels[LABEL.hostPort]));
      out.push({ ...handle, running: c.running, labels: fromUserLabels(c.labels) });
    }
    return out.sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Removes the network of a subnet group if no container is attached; "not found" and "in use" are not errors. */
  removeNetwork(network: string): Promise<void> {
    return this.networks.remove(network);
  }

  async close(): Promise<void> {
    this.networks.clear();
    this.imageStore.clear();
  }

  // --- internals -------------------------------------------------------------------------------

  private async startLocked(spec: NodeSpec): Promise<NodeHandle> {
    const cname = this.containerName(spec.name);
    const image = imageFor(this.images, spec.engine, spec.engineVersion);
    const t0 = performance.now();
    let info = await this.containers.inspect(cname);
    if (info) {
      if (!isOwnedBy(info.labels, this.prefix)) {
        throw new RuntimeError("Conflict", `Container ${cname} exists but is not managed by this runtime (labels ${LABEL.managed}/${LABEL.prefix})`);
      }
      const same = info.labels[LABEL.engine] === spec.engine && Number(info.labels[LABEL.hostPort]) === spec.hostPort && info.image === image;
      if (!same) {
        this.log.debug({ container: cname }, "node spec changed (engine/port/image); replacing its container");
        await this.containers.remove(cname);
        info = undefined;
      } else if (!info.running) {
        try {
          await this.containers.start(cname);
        } catch (err) {
          this.log.warn?.({ container: cname, err: (err as Error).message }, "stopped container would not start; recreating it");
          await this.containers.remove(cname);
          info = undefined;
        }
      }
    }
    let id: string;
    if (info) {
      id = info.id;
    } else {
      id = await this.createContainer(spec, image);
      await this.containers.start(cname);
    }
    const handle = this.handle(spec.name, id, spec.engine, spec.hostPort);
    await this.waitReady(cname, spec.engine, handle.adminAddress, true);
    this.log.debug({ container: cname, ms: Math.round(performance.now() - t0), adopted: Boolean(info) }, "node container ready");
    return handle;
  }

  private async createContainer(spec: NodeSpec, image: string): Promise<string> {
    const cname = this.containerName(spec.name);
    const internal = INTERNAL_PORT[spec.engine];
    const args = engineArgs(spec.engine, {
      port: internal,
      bind: "0.0.0.0",
      dir: "/data",
      maxMemoryMb: spec.maxMemoryMb,
      settings: spec.settings,
      memcachedUser: "nobody", // ignored by memcached when the image already runs as a non-root user
    });
    const labels: Record<string, string> = {
      ...ownerLabels(this.prefix),
      [LABEL.node]: spec.name,
      [LABEL.engine]: spec.engine,
      [LABEL.engineVersion]: spec.engineVersion,
      [LABEL.hostPort]: String(spec.hostPort),
      [LABEL.network]: spec.network,
      ...toUserLabels(spec.labels),
    };

    for (let attempt = 0; ; attempt++) {
      await this.imageStore.ensure(image);
      const net = await this.networks.ensure(spec.network);
      try {
        return await this.containers.create({
          name: cname,
          image,
          cmd: [this.commands[spec.engine], ...args],
          labels,
          publish: [{ internal, hostIp: this.publishHost, hostPort: spec.hostPort }],
          network: { id: net, aliases: [spec.name] },
        });
      } catch (err) {
        const status = statusOf(err);
        if (status === 409 && attempt === 0) {
          // Name in use: created concurrently by another control plane, or a removal in progress.
          const info = await this.containers.inspect(cname);
          if (info && isOwnedBy(info.labels, this.prefix) && !info.gone) return info.id;
          await this.containers.remove(cname);
          continue;
        }
        if (status === 404 && /image/i.test(messageOf(err)) && attempt === 0) {
          this.imageStore.forget(image); // deleted since we checked it
          continue;
        }
        if (status === 404 && /network/i.test(messageOf(err)) && attempt === 0) {
          this.networks.forget(spec.network); // removed behind our back
          continue;
        }
        throw err;
      }
    }
  }

  private async waitReady(cname: string, engine: EngineKind, addr: Address, removeOnFailure: boolean): Promise<void> {
    try {
      await waitUntilReady(addr, engine, {
        timeoutMs: this.readyTimeoutMs,
        checkEveryMs: 250,
        what: `${engine} container ${cname}`,
        check: async () => {
          const info = await this.containers.inspect(cname);
          if (!info) throw new RuntimeError("StartFailed", `Container ${cname} disappeared during start`);
          if (!info.running) {
            throw new RuntimeError("StartFailed", `Container ${cname} exited (code ${info.exitCode}) during start:\n${await this.containers.logsTail(cname)}`);
          }
        },
      });
    } catch (err) {
      if (err instanceof RuntimeError && err.code === "StartTimeout") err.message += `. Logs:\n${await this.containers.logsTail(cname)}`;
      if (removeOnFailure) await this.containers.remove(cname).catch(() => undefined);
      throw err;
    }
  }

  private handle(name: string, id: string, engine: EngineKind, hostPort: number): NodeHandle {
    const internal = INTERNAL_PORT[engine] ?? 6379;
    const cname = this.containerName(name);
    const publishedHost = this.publishHost === "0.0.0.0" ? "127.0.0.1" : this.publishHost === "::" ? "::1" : this.publishHost;
    return {
      name,
      runtimeId: id,
      adminAddress: this.inDocker ? { host: cname, port: internal } : { host: publishedHost, port: hostPort },
      peerAddress: { host: cname, port: internal },
      clientAddress: { host: this.advertisedHost, port: hostPort },
    };
  }
}
