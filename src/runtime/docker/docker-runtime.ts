/**
 * NodeRuntime on Docker containers. One container per node, with one data volume mounted at the
 * engine's data directory (/data), on one bridge network per spec.network (networks.ts), where its
 * alias is the node name (other nodes reach it there: peerAddress). The engine listens on its
 * default port inside the container (6379 / 11211), published on publishHost:hostPort; extra ports
 * get fixed inside ports by name and are published too. Names (names.ts) and labels (labels.ts)
 * carry the instance prefix and the installation id; list() and every removal see only this
 * installation's objects.
 *
 * Redis reads its whole configuration, secrets included, from stdin, written at every start (the
 * container's command is only `redis-server -`): `docker inspect` shows no setting and no secret,
 * nothing secret is stored, and a restart with another spec (a new primary to follow) keeps the
 * same container. spec.files and the data file (spec.dataFile, or an empty one in place of an
 * older snapshot) are copied into the volume with the Docker API before the start, when there are
 * any: /data/.ecl/files (0700, files 0600) and /data/dump.rdb.
 *
 * The Docker calls themselves live in one module per resource (containers, networks, volumes,
 * images), all through one logged door (docker-api.ts); this file decides what to do with them.
 */
import { createHash } from "node:crypto";
import Docker from "dockerode";
import { DATA_FILE_NAME, EMPTY_RDB, ENGINE_COMMAND, INTERNAL_PORT, engineLaunch, internalExtraPorts, isLoopback, type EngineLaunch } from "../engine-config.ts";
import { RuntimeError } from "../errors.ts";
import { imageFor, type ImageTable } from "../images.ts";
import { silentLogger, type RuntimeLogger } from "../logger.ts";
import { KeyedMutex } from "../mutex.ts";
import { waitUntilReady } from "../readiness.ts";
import { NODE_NAME_RE, checkNodeName, checkSpec } from "../spec.ts";
import type { Address, EngineKind, NodeHandle, NodeRuntime, NodeSpec, ObservedNode, PortAddresses } from "../types.ts";
import { packEntries, extractFirstFile, type ArchiveEntry } from "./archive.ts";
import { Containers, type ContainerState } from "./containers.ts";
import { DockerApi, messageOf, statusOf } from "./docker-api.ts";
import { Images } from "./images.ts";
import { LABEL, fromUserLabels, isOwnedBy, ownerFilters, ownerLabels, toUserLabels, type Owner } from "./labels.ts";
import { DockerNames } from "./names.ts";
import { Networks } from "./networks.ts";
import { Volumes } from "./volumes.ts";

/** Where things are inside a node's container. */
const DATA_DIR = "/data";
const INPUT_DIR = ".ecl"; // under DATA_DIR
const FILES_DIR = `${DATA_DIR}/${INPUT_DIR}/files`;

export interface DockerRuntimeOptions {
  /** Resolved engine/version -> image table (see images.ts: resolveImageTable). */
  images: ImageTable;
  /** The installation this runtime belongs to: in every name and label; only its objects are seen. */
  installationId: string;
  /** The Docker API socket; default DOCKER_HOST or /var/run/docker.sock. */
  socketPath?: string;
  /** Host address ports are published on; default 127.0.0.1. */
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
  /** How long start()/restart() wait for the engine to accept connections; default 15 s. */
  readyTimeoutMs?: number;
  /** restart(): SIGTERM, then SIGKILL after this long; default 5 s (rounded up to seconds). */
  stopTimeoutMs?: number;
  /** Give up pulling a missing image after this long; default 5 min. */
  pullTimeoutMs?: number;
  logger?: RuntimeLogger;
}

/** An extra port of a container, as its labels record it. */
interface PublishedExtra {
  name: string;
  hostPort: number;
  internal: number;
}

/** What a container is made of; `shape` changes when any of it does. */
interface Blueprint {
  image: string;
  launch: EngineLaunch;
  cmd: string[];
  extras: PublishedExtra[];
  labels: Record<string, string>;
  shape: string;
}

export class DockerRuntime implements NodeRuntime {
  readonly kind = "docker" as const;
  private readonly images: ImageTable;
  private readonly owner: Owner;
  private readonly names: DockerNames;
  private readonly publishHost: string;
  private readonly advertisedHost: string;
  private readonly inDocker: boolean;
  private readonly commands: Record<EngineKind, string>;
  private readonly readyTimeoutMs: number;
  private readonly stopTimeoutSec: number;
  private readonly log: RuntimeLogger;
  private readonly mutex = new KeyedMutex();
  private readonly containers: Containers;
  private readonly networks: Networks;
  private readonly volumes: Volumes;
  private readonly imageStore: Images;

  constructor(opts: DockerRuntimeOptions) {
    this.log = opts.logger ?? silentLogger;
    const api = new DockerApi(new Docker(opts.socketPath ? { socketPath: opts.socketPath } : undefined), this.log);
    this.images = opts.images;
    const prefix = opts.namePrefix ?? "ecl-";
    this.owner = { prefix, installation: opts.installationId };
    this.names = new DockerNames(prefix, opts.installationId);
    this.publishHost = opts.publishHost ?? "127.0.0.1";
    this.advertisedHost = opts.advertisedHost ?? "127.0.0.1";
    this.inDocker = opts.controlPlaneInDocker ?? false;
    this.commands = { ...ENGINE_COMMAND, ...(opts.commands ?? {}) };
    this.readyTimeoutMs = opts.readyTimeoutMs ?? 15_000;
    this.stopTimeoutSec = Math.max(0, Math.ceil((opts.stopTimeoutMs ?? 5_000) / 1000));
    this.containers = new Containers(api);
    this.networks = new Networks(api, this.owner, this.names, this.log);
    this.volumes = new Volumes(api, this.owner);
    this.imageStore = new Images(api, opts.pullTimeoutMs ?? 300_000);
  }

  /** Docker name of a node's container. */
  containerName(node: string): string {
    return this.names.container(node);
  }

  /** Docker name of a subnet group's network. */
  networkName(network: string): string {
    return this.names.network(network);
  }

  start(spec: NodeSpec): Promise<NodeHandle> {
    try {
      checkSpec(spec);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.mutex.run(spec.name, () => this.startLocked(spec));
  }

  restart(spec: NodeSpec): Promise<NodeHandle> {
    try {
      checkSpec(spec);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.mutex.run(spec.name, async () => {
      const cname = this.containerName(spec.name);
      const info = await this.containers.inspect(cname);
      if (!info || !isOwnedBy(info.labels, this.owner)) throw new RuntimeError("NodeNotFound", `No container ${cname}`);
      const blueprint = this.blueprint(spec);
      let id = info.id;
      if (info.labels[LABEL.shape] === blueprint.shape) {
        await this.containers.stop(cname, this.stopTimeoutSec);
        await this.writeInputs(cname, spec, false);
      } else {
        this.log.debug({ container: cname }, "node's image, ports or command changed; replacing its container");
        await this.containers.remove(cname);
        id = await this.createContainer(spec, blueprint);
      }
      await this.launch(cname, blueprint.launch);
      const handle = this.handle(spec.name, id, spec.engine, spec.hostPort, blueprint.extras, spec.hostNetwork);
      await this.waitReady(cname, spec, handle.adminAddress, false);
      return handle;
    });
  }

  kill(name: string): Promise<void> {
    if (!NODE_NAME_RE.test(name)) return Promise.resolve();
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
    if (!NODE_NAME_RE.test(name)) return Promise.resolve();
    return this.mutex.run(name, async () => {
      const cname = this.containerName(name);
      const info = await this.containers.inspect(cname);
      if (info && !isOwnedBy(info.labels, this.owner)) throw new RuntimeError("Conflict", `Container ${cname} is not this installation's`);
      await this.containers.remove(cname);
      await this.volumes.remove(this.names.volume(name));
    });
  }

  async exportDataFile(name: string, destinationPath: string): Promise<void> {
    checkNodeName(name);
    const cname = this.containerName(name);
    const info = await this.containers.inspect(cname);
    if (!info || !isOwnedBy(info.labels, this.owner)) throw new RuntimeError("NodeNotFound", `No container ${cname}`);
    const archive = await this.containers.getArchive(cname, `${DATA_DIR}/${DATA_FILE_NAME}`);
    if (!archive || !(await extractFirstFile(archive, destinationPath))) {
      throw new RuntimeError("NoDataFile", `Node "${name}" has no ${DATA_FILE_NAME}: run BGSAVE and wait for it to finish first`);
    }
  }

  /** Containers of this installation, and volumes whose container is gone (so orphan removal finds them too). */
  async list(): Promise<ObservedNode[]> {
    const filters = ownerFilters(this.owner);
    const [containers, volumes] = await Promise.all([this.containers.list(filters), this.volumes.list(filters)]);
    const out = new Map<string, ObservedNode>();
    for (const c of containers) {
      const node = this.observed(c.labels, c.id, c.running);
      if (node) out.set(node.name, node);
    }
    for (const v of volumes) {
      const node = this.observed(v.labels, "", false);
      if (node && !out.has(node.name)) out.set(node.name, node);
    }
    return [...out.values()].sort((a, b) => a.name.localeCompare(b.name));
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
    const blueprint = this.blueprint(spec);
    const t0 = performance.now();
    let info: ContainerState | undefined = await this.containers.inspect(cname);
    if (info && !isOwnedBy(info.labels, this.owner)) {
      throw new RuntimeError("Conflict", `Container ${cname} exists but is not this installation's (labels ${LABEL.prefix}/${LABEL.installation})`);
    }
    if (info && (info.labels[LABEL.shape] !== blueprint.shape || info.gone)) {
      this.log.debug({ container: cname }, "node's image, ports or command changed; replacing its container");
      await this.containers.remove(cname);
      info = undefined;
    } else if (info && !info.running) {
      try {
        await this.writeInputs(cname, spec, false);
        await this.launch(cname, blueprint.launch);
      } catch (err) {
        this.log.warn?.({ container: cname, err: (err as Error).message }, "stopped container would not start; recreating it");
        await this.containers.remove(cname);
        info = undefined;
      }
    }
    let id: string;
    if (info) {
      id = info.id;
    } else {
      id = await this.createContainer(spec, blueprint);
      await this.launch(cname, blueprint.launch);
    }
    const handle = this.handle(spec.name, id, spec.engine, spec.hostPort, blueprint.extras, spec.hostNetwork);
    await this.waitReady(cname, spec, handle.adminAddress, true);
    this.log.debug({ container: cname, ms: Math.round(performance.now() - t0), adopted: Boolean(info) }, "node container ready");
    return handle;
  }

  private blueprint(spec: NodeSpec): Blueprint {
    const image = imageFor(this.images, spec.engine, spec.engineVersion);
    // On the host's network the engine listens on the host ports themselves, as a process does.
    const host = spec.hostNetwork === true;
    const insidePorts = host ? Object.fromEntries((spec.extraPorts ?? []).map((extra) => [extra.name, extra.hostPort])) : internalExtraPorts(spec);
    const extras = (spec.extraPorts ?? []).map((extra) => ({ name: extra.name, hostPort: extra.hostPort, internal: insidePorts[extra.name] }));
    const launch = engineLaunch(
      spec,
      {
        port: host ? spec.hostPort : INTERNAL_PORT[spec.engine],
        extraPorts: insidePorts,
        bind: host ? this.publishHost : "0.0.0.0",
        dir: DATA_DIR,
        filesDir: FILES_DIR,
        // Through a bridge, clients arrive from outside the container's loopback; on the host's network, as to a process.
        protectedMode: host && isLoopback(this.publishHost),
        memcachedUser: "nobody", // ignored by memcached when the image already runs as a non-root user
      },
    );
    const cmd = [this.commands[spec.engine], ...launch.args];
    const shape = createHash("sha256")
      .update(JSON.stringify([image, cmd, spec.hostPort, extras, spec.network, this.publishHost, host]))
      .digest("hex")
      .slice(0, 32);
    const labels: Record<string, string> = {
      ...ownerLabels(this.owner),
      [LABEL.node]: spec.name,
      [LABEL.engine]: spec.engine,
      [LABEL.engineVersion]: spec.engineVersion,
      [LABEL.hostPort]: String(spec.hostPort),
      [LABEL.ports]: JSON.stringify(extras),
      [LABEL.network]: spec.network,
      [LABEL.shape]: shape,
      ...(spec.tlsOnly ? { [LABEL.tls]: "true" } : {}),
      ...(host ? { [LABEL.hostNetwork]: "true" } : {}),
      ...toUserLabels(spec.labels),
    };
    return { image, launch, cmd, extras, labels, shape };
  }

  /** Creates the node's container (and its volume and network when missing) and writes its inputs; returns its id. */
  private async createContainer(spec: NodeSpec, blueprint: Blueprint): Promise<string> {
    const cname = this.containerName(spec.name);
    const volume = this.names.volume(spec.name);
    const { [LABEL.shape]: _shape, ...volumeLabels } = blueprint.labels;
    for (let attempt = 0; ; attempt++) {
      await this.imageStore.ensure(blueprint.image);
      const host = spec.hostNetwork === true;
      const [networkId, freshVolume] = await Promise.all([host ? undefined : this.networks.ensure(spec.network), this.volumes.ensure(volume, volumeLabels)]);
      try {
        const id = await this.containers.create({
          name: cname,
          image: blueprint.image,
          cmd: blueprint.cmd,
          labels: blueprint.labels,
          publish: host
            ? []
            : [
                { internal: INTERNAL_PORT[spec.engine], hostIp: this.publishHost, hostPort: spec.hostPort },
                ...blueprint.extras.map((extra) => ({ internal: extra.internal, hostIp: this.publishHost, hostPort: extra.hostPort })),
              ],
          network: networkId === undefined ? "host" : { id: networkId, aliases: [spec.name] },
          mounts: [{ volume, target: DATA_DIR }],
          stdin: blueprint.launch.config !== undefined,
        });
        await this.writeInputs(cname, spec, freshVolume);
        return id;
      } catch (err) {
        const status = statusOf(err);
        if (status === 409 && attempt === 0) {
          // Name in use: a removal still in progress, or a leftover of a crash. Ours: replace it.
          const info = await this.containers.inspect(cname);
          if (info && !isOwnedBy(info.labels, this.owner)) throw new RuntimeError("Conflict", `Container ${cname} is not this installation's`, { cause: err });
          await this.containers.remove(cname);
          continue;
        }
        if (status === 404 && /image/i.test(messageOf(err)) && attempt === 0) {
          this.imageStore.forget(blueprint.image); // deleted since we checked it
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

  /**
   * Writes the files the engine reads at start into the container's volume: spec.files, and for
   * Redis the data file (spec.dataFile, or an empty one in place of an older snapshot; a volume
   * made just now has none). Skipped when there is nothing to write: copying into a container
   * costs Docker a mount of its file system.
   */
  private async writeInputs(cname: string, spec: NodeSpec, freshVolume: boolean): Promise<void> {
    const files = Object.entries(spec.files ?? {});
    const entries: ArchiveEntry[] = [];
    if (files.length > 0) {
      entries.push(
        { name: `${INPUT_DIR}/`, directory: true, mode: 0o700 },
        { name: `${INPUT_DIR}/files/`, directory: true, mode: 0o700 },
        ...files.map(([name, content]): ArchiveEntry => ({ name: `${INPUT_DIR}/files/${name}`, content, mode: 0o600 })),
      );
    }
    if (spec.dataFile) entries.push({ name: DATA_FILE_NAME, hostPath: spec.dataFile, mode: 0o600 });
    else if (spec.engine !== "memcached" && !freshVolume) entries.push({ name: DATA_FILE_NAME, content: EMPTY_RDB, mode: 0o600 });
    if (entries.length > 0) await this.containers.putArchive(cname, DATA_DIR, packEntries(entries));
  }

  /** Starts the container; Redis gets its configuration, secrets included, on stdin. */
  private async launch(cname: string, launch: EngineLaunch): Promise<void> {
    if (launch.config === undefined) await this.containers.start(cname);
    else await this.containers.startWithInput(cname, launch.config);
  }

  private async waitReady(cname: string, spec: NodeSpec, addr: Address, removeOnFailure: boolean): Promise<void> {
    try {
      await waitUntilReady(addr, spec.engine, {
        timeoutMs: this.readyTimeoutMs,
        checkEveryMs: 250,
        tls: spec.tlsOnly,
        what: `${spec.engine} container ${cname}`,
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

  /** A node as its container's or volume's labels describe it; undefined for a labelled object that is not a node. */
  private observed(labels: Record<string, string>, id: string, running: boolean): ObservedNode | undefined {
    const name = labels[LABEL.node];
    if (!name) return undefined;
    let extras: PublishedExtra[] = [];
    try {
      extras = JSON.parse(labels[LABEL.ports] ?? "[]") as PublishedExtra[];
    } catch {
      // a container made before extra ports were recorded
    }
    const handle = this.handle(name, id, labels[LABEL.engine] as EngineKind, Number(labels[LABEL.hostPort]), extras, labels[LABEL.hostNetwork] === "true");
    return { ...handle, running, labels: fromUserLabels(labels) };
  }

  private handle(name: string, id: string, engine: EngineKind, hostPort: number, extras: PublishedExtra[], hostNetwork = false): NodeHandle {
    const publishedHost = this.publishHost === "0.0.0.0" ? "127.0.0.1" : this.publishHost === "::" ? "::1" : this.publishHost;
    // Inside a network the node answers to its alias, the node name: one DNS label, unlike the
    // container name, which may be longer than 63 characters. On the host's network, everyone
    // reaches it on the host.
    const at = (internal: number, published: number): PortAddresses =>
      hostNetwork
        ? { admin: { host: publishedHost, port: published }, peer: { host: publishedHost, port: published }, client: { host: this.advertisedHost, port: published } }
        : {
            admin: this.inDocker ? { host: name, port: internal } : { host: publishedHost, port: published },
            peer: { host: name, port: internal },
            client: { host: this.advertisedHost, port: published },
          };
    const main = at(INTERNAL_PORT[engine] ?? 6379, hostPort);
    const ports: Record<string, PortAddresses> = {};
    for (const extra of extras) ports[extra.name] = at(extra.internal, extra.hostPort);
    return { name, runtimeId: id, adminAddress: main.admin, peerAddress: main.peer, clientAddress: main.client, ports };
  }
}
