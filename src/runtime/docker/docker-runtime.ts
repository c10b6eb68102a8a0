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
import { DATA_FILE_NAME, INTERNAL_PORT, type EngineLaunch } from "../engine-config.ts";
import { RuntimeError } from "../errors.ts";
import { KeyedMutex } from "../mutex.ts";
import { waitUntilReady } from "../readiness.ts";
import { NODE_NAME_RE, checkNodeName, underNodeLock } from "../spec.ts";
import type { Address, EngineKind, NodeHandle, NodeRuntime, NodeSpec, ObservedNode } from "../types.ts";
import { packEntries, extractFirstFile } from "./archive.ts";
import type { ContainerState } from "./containers.ts";
import { messageOf, statusOf } from "./docker-api.ts";
import { DockerKit, type DockerKitOptions } from "./kit.ts";
import { LABEL, isOwnedBy, ownerFilters } from "./labels.ts";
import { DockerNames } from "./names.ts";
import { Networks } from "./networks.ts";
import { DATA_DIR, VOLUME_FILES_DIR, dataFileEntries, fileEntries } from "./node-inputs.ts";
import { nodeHandle, nodeLabels, observedFromLabels, shapeOf, type PublishedExtra } from "./node-record.ts";

export type DockerRuntimeOptions = DockerKitOptions;

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
  private readonly kit: DockerKit;
  private readonly names: DockerNames;
  private readonly readyTimeoutMs: number;
  private readonly mutex = new KeyedMutex();
  private readonly networks: Networks;

  constructor(opts: DockerRuntimeOptions) {
    this.kit = new DockerKit(opts);
    this.names = new DockerNames(this.kit.prefix, opts.installationId);
    this.readyTimeoutMs = opts.readyTimeoutMs ?? 15_000;
    this.networks = new Networks(this.kit.api, this.kit.owner, { driver: "bridge", name: (network) => this.names.network(network) }, this.kit.log);
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
    return underNodeLock(this.mutex, spec, () => this.startLocked(spec));
  }

  restart(spec: NodeSpec): Promise<NodeHandle> {
    return underNodeLock(this.mutex, spec, async () => {
      const cname = this.containerName(spec.name);
      const info = await this.kit.containers.inspect(cname);
      if (!info || !isOwnedBy(info.labels, this.kit.owner)) throw new RuntimeError("NodeNotFound", `No container ${cname}`);
      const blueprint = this.blueprint(spec);
      let id = info.id;
      if (info.labels[LABEL.shape] === blueprint.shape) {
        await this.kit.containers.stop(cname, this.kit.stopTimeoutSec);
        await this.writeInputs(cname, spec, false);
      } else {
        this.kit.log.debug({ container: cname }, "node's image, ports or command changed; replacing its container");
        await this.kit.containers.remove(cname);
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
      await this.kit.containers.kill(cname);
      const deadline = performance.now() + 5_000;
      for (;;) {
        const info = await this.kit.containers.inspect(cname);
        if (!info || !info.running || performance.now() > deadline) return;
        await new Promise((r) => setTimeout(r, 5));
      }
    });
  }

  remove(name: string): Promise<void> {
    if (!NODE_NAME_RE.test(name)) return Promise.resolve();
    return this.mutex.run(name, async () => {
      const cname = this.containerName(name);
      const info = await this.kit.containers.inspect(cname);
      if (info && !isOwnedBy(info.labels, this.kit.owner)) throw new RuntimeError("Conflict", `Container ${cname} is not this installation's`);
      await this.kit.containers.remove(cname);
      await this.kit.volumes.remove(this.names.volume(name));
    });
  }

  async exportDataFile(name: string, destinationPath: string): Promise<void> {
    checkNodeName(name);
    const cname = this.containerName(name);
    const info = await this.kit.containers.inspect(cname);
    if (!info || !isOwnedBy(info.labels, this.kit.owner)) throw new RuntimeError("NodeNotFound", `No container ${cname}`);
    const archive = await this.kit.containers.getArchive(cname, `${DATA_DIR}/${DATA_FILE_NAME}`);
    if (!archive || !(await extractFirstFile(archive, destinationPath))) {
      throw new RuntimeError("NoDataFile", `Node "${name}" has no ${DATA_FILE_NAME}: run BGSAVE and wait for it to finish first`);
    }
  }

  /** Containers of this installation, and volumes whose container is gone (so orphan removal finds them too). */
  async list(): Promise<ObservedNode[]> {
    const filters = ownerFilters(this.kit.owner);
    const [containers, volumes] = await Promise.all([this.kit.containers.list(filters), this.kit.volumes.list(filters)]);
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
  async removeNetwork(network: string): Promise<void> {
    await this.networks.remove(network);
  }

  async close(): Promise<void> {
    this.networks.clear();
    this.kit.clear();
  }

  // --- internals -------------------------------------------------------------------------------

  private async startLocked(spec: NodeSpec): Promise<NodeHandle> {
    const cname = this.containerName(spec.name);
    const blueprint = this.blueprint(spec);
    const t0 = performance.now();
    let info: ContainerState | undefined = await this.kit.containers.inspect(cname);
    if (info && !isOwnedBy(info.labels, this.kit.owner)) {
      throw new RuntimeError("Conflict", `Container ${cname} exists but is not this installation's (labels ${LABEL.prefix}/${LABEL.installation})`);
    }
    if (info && (info.labels[LABEL.shape] !== blueprint.shape || info.gone)) {
      this.kit.log.debug({ container: cname }, "node's image, ports or command changed; replacing its container");
      await this.kit.containers.remove(cname);
      info = undefined;
    } else if (info && !info.running) {
      try {
        await this.writeInputs(cname, spec, false);
        await this.launch(cname, blueprint.launch);
      } catch (err) {
        this.kit.log.warn?.({ container: cname, err: (err as Error).message }, "stopped container would not start; recreating it");
        await this.kit.containers.remove(cname);
        info = undefined;
      }
    }
    if (info) {
      // Adopted only when it answers on the spec's port: a container that does not (its engine
      // never got its configuration because the control plane died while writing it, or it hangs)
      // is replaced now, never waited on pass after pass.
      const handle = this.handle(spec.name, info.id, spec.engine, spec.hostPort, blueprint.extras, spec.hostNetwork);
      try {
        await this.waitReady(cname, spec, handle.adminAddress, false);
        this.kit.log.debug({ container: cname, ms: Math.round(performance.now() - t0), adopted: true }, "node container ready");
        return handle;
      } catch (error) {
        if (!(error instanceof RuntimeError)) throw error;
        this.kit.log.warn?.({ container: cname, err: error.message }, "node container does not answer as its spec says; replacing it");
        await this.kit.containers.remove(cname);
      }
    }
    const id = await this.createContainer(spec, blueprint);
    await this.launch(cname, blueprint.launch);
    const handle = this.handle(spec.name, id, spec.engine, spec.hostPort, blueprint.extras, spec.hostNetwork);
    await this.waitReady(cname, spec, handle.adminAddress, true);
    this.kit.log.debug({ container: cname, ms: Math.round(performance.now() - t0), adopted: false }, "node container ready");
    return handle;
  }

  private blueprint(spec: NodeSpec): Blueprint {
    const { image, launch, extras } = this.kit.engineStart(spec, VOLUME_FILES_DIR);
    const cmd = [this.kit.commands[spec.engine], ...launch.args];
    const shape = shapeOf([image, cmd, spec.hostPort, extras, spec.network, this.kit.addressing.publishHost, spec.hostNetwork === true]);
    return { image, launch, cmd, extras, labels: nodeLabels(this.kit.owner, spec, extras, shape), shape };
  }

  /** Creates the node's container (and its volume and network when missing) and writes its inputs; returns its id. */
  private async createContainer(spec: NodeSpec, blueprint: Blueprint): Promise<string> {
    const cname = this.containerName(spec.name);
    const volume = this.names.volume(spec.name);
    const { [LABEL.shape]: _shape, ...volumeLabels } = blueprint.labels;
    for (let attempt = 0; ; attempt++) {
      await this.kit.imageStore.ensure(blueprint.image);
      const host = spec.hostNetwork === true;
      const [networkId, freshVolume] = await Promise.all([host ? undefined : this.networks.ensure(spec.network), this.kit.volumes.ensure(volume, volumeLabels)]);
      try {
        const id = await this.kit.containers.create({
          name: cname,
          image: blueprint.image,
          cmd: blueprint.cmd,
          labels: blueprint.labels,
          publish: host
            ? []
            : [
                { internal: INTERNAL_PORT[spec.engine], hostIp: this.kit.addressing.publishHost, hostPort: spec.hostPort },
                ...blueprint.extras.map((extra) => ({ internal: extra.internal, hostIp: this.kit.addressing.publishHost, hostPort: extra.hostPort })),
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
          const info = await this.kit.containers.inspect(cname);
          if (info && !isOwnedBy(info.labels, this.kit.owner)) throw new RuntimeError("Conflict", `Container ${cname} is not this installation's`, { cause: err });
          await this.kit.containers.remove(cname);
          continue;
        }
        if (status === 404 && /image/i.test(messageOf(err)) && attempt === 0) {
          this.kit.imageStore.forget(blueprint.image); // deleted since we checked it
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
    const entries = [...fileEntries(spec), ...dataFileEntries(spec, freshVolume)];
    if (entries.length > 0) await this.kit.containers.putArchive(cname, DATA_DIR, packEntries(entries));
  }

  /** Starts the container; Redis gets its configuration, secrets included, on stdin. */
  private async launch(cname: string, launch: EngineLaunch): Promise<void> {
    if (launch.config === undefined) await this.kit.containers.start(cname);
    else await this.kit.containers.startWithInput(cname, launch.config);
  }

  private async waitReady(cname: string, spec: NodeSpec, addr: Address, removeOnFailure: boolean): Promise<void> {
    try {
      await waitUntilReady(addr, spec.engine, {
        timeoutMs: this.readyTimeoutMs,
        checkEveryMs: 250,
        tls: spec.tlsOnly,
        what: `${spec.engine} container ${cname}`,
        check: async () => {
          const info = await this.kit.containers.inspect(cname);
          if (!info) throw new RuntimeError("StartFailed", `Container ${cname} disappeared during start`);
          if (!info.running) {
            throw new RuntimeError("StartFailed", `Container ${cname} exited (code ${info.exitCode}) during start:\n${await this.kit.containers.logsTail(cname)}`);
          }
        },
      });
    } catch (err) {
      if (err instanceof RuntimeError && err.code === "StartTimeout") err.message += `. Logs:\n${await this.kit.containers.logsTail(cname)}`;
      if (removeOnFailure) await this.kit.containers.remove(cname).catch(() => undefined);
      throw err;
    }
  }

  /** A node as its container's or volume's labels describe it; undefined for a labelled object that is not a node. */
  private observed(labels: Record<string, string>, id: string, running: boolean): ObservedNode | undefined {
    return observedFromLabels(this.kit.addressing, labels, id, running);
  }

  private handle(name: string, id: string, engine: EngineKind, hostPort: number, extras: PublishedExtra[], hostNetwork = false): NodeHandle {
    return nodeHandle(this.kit.addressing, name, id, engine, hostPort, extras, hostNetwork);
  }
}
