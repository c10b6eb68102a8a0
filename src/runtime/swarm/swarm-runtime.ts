/**
 * NodeRuntime on Docker Swarm: one service per node (one replica), on an attachable overlay network
 * per spec.network where its alias is the node name, with its data volume at /data and its ports
 * published in host mode (service-spec.ts). The service's labels record the node exactly as a
 * container's do in the Docker runtime (docker/node-record.ts), with the instance prefix and the
 * installation id, so list() sees only this installation's services and a restarted control plane
 * adopts them.
 *
 * A service cannot take stdin, so Redis reads its configuration from a Swarm secret mounted as a
 * file, and spec.files are secrets too (secrets.ts); each start makes new ones. Swarm never
 * restarts a task by itself; start() of a node whose task ended, and restart(), replace the task by
 * raising the service's force-update counter.
 *
 * Some work goes to the task's container through this Docker engine: stopping it before a restart
 * (Swarm itself waits two seconds for the overlay's gossip before it stops a task), SIGKILL,
 * writing the data file into the volume while nothing runs (into the last task's stopped
 * container, or a parked container that only mounts the volume), and reading the RDB file out. On
 * a one-node swarm that is this engine; on a many-host swarm the control plane would need the
 * Docker API of the task's host (see README), and a node's volume stays on the host where it was
 * made.
 */
import { DATA_FILE_NAME, INTERNAL_PORT } from "../engine-config.ts";
import { RuntimeError } from "../errors.ts";
import { KeyedMutex } from "../mutex.ts";
import { waitUntilReady } from "../readiness.ts";
import { NODE_NAME_RE, checkNodeName, underNodeLock } from "../spec.ts";
import type { Address, NodeHandle, NodeRuntime, NodeSpec, ObservedNode } from "../types.ts";
import { extractFirstFile, packEntries, type ArchiveEntry } from "../docker/archive.ts";
import type { ContainerSummary } from "../docker/containers.ts";
import { messageOf, statusOf } from "../docker/docker-api.ts";
import { DockerKit, type DockerKitOptions } from "../docker/kit.ts";
import { LABEL, isOwnedBy, ownerFilters, ownerLabels } from "../docker/labels.ts";
import { Networks } from "../docker/networks.ts";
import { DATA_DIR, dataFileEntries } from "../docker/node-inputs.ts";
import { nodeHandle, nodeLabels, observedFromLabels, shapeOf, type PublishedExtra } from "../docker/node-record.ts";
import { SwarmNames } from "./names.ts";
import { Placement, ZONE_LABEL } from "./placement.ts";
import { Secrets, type SecretFile } from "./secrets.ts";
import { serviceSpec } from "./service-spec.ts";
import { Services, type ServiceState, type TaskState } from "./services.ts";

/** Where the secrets appear in a task's container (a tmpfs only the task sees). */
const SECRETS_DIR = "/run/ecl";
const CONFIG_PATH = `${SECRETS_DIR}/redis.conf`;
const FILES_DIR = `${SECRETS_DIR}/files`;
/** Docker's label on a task's container naming its service. */
const SERVICE_ID_LABEL = "com.docker.swarm.service.id";
/** How long a network just left by a removed service may still be called in use by Docker. */
const NETWORK_RELEASE_MS = 10_000;

/** As the Docker runtime's; readyTimeoutMs defaults to 30 s (a task takes a second or two to be scheduled and attached to its overlay network). */
export interface SwarmRuntimeOptions extends DockerKitOptions {
  /** Key of the swarm node label naming the zone a swarm node stands for; default ZONE_LABEL (placement.ts). */
  zoneLabel?: string;
}

/** What a node's service is made of; `shape` changes when any of it but the secrets does. */
interface Blueprint {
  image: string;
  args: string[];
  extras: PublishedExtra[];
  labels: Record<string, string>;
  secretFiles: SecretFile[];
  constraints: string[];
  shape: string;
}

export class SwarmRuntime implements NodeRuntime {
  readonly kind = "swarm" as const;
  private readonly kit: DockerKit;
  private readonly names: SwarmNames;
  private readonly readyTimeoutMs: number;
  private readonly mutex = new KeyedMutex();
  private readonly services: Services;
  private readonly secrets: Secrets;
  private readonly placement: Placement;
  private readonly networks: Networks;

  constructor(opts: SwarmRuntimeOptions) {
    this.kit = new DockerKit(opts);
    this.names = new SwarmNames(this.kit.prefix, opts.installationId);
    this.readyTimeoutMs = opts.readyTimeoutMs ?? 30_000;
    this.services = new Services(this.kit.api);
    this.secrets = new Secrets(this.kit.api, this.kit.owner, this.names);
    this.placement = new Placement(this.kit.api, opts.zoneLabel);
    this.networks = new Networks(this.kit.api, this.kit.owner, { driver: "overlay", name: (network) => this.names.network(network) }, this.kit.log);
  }

  /** Swarm name of a node's service. */
  serviceName(node: string): string {
    return this.names.service(node);
  }

  /** Docker name of a subnet group's overlay network. */
  networkName(network: string): string {
    return this.names.network(network);
  }

  start(spec: NodeSpec): Promise<NodeHandle> {
    return underNodeLock(this.mutex, spec, () => this.startLocked(spec));
  }

  restart(spec: NodeSpec): Promise<NodeHandle> {
    return underNodeLock(this.mutex, spec, async () => {
      const service = await this.ownService(spec.name);
      if (!service) throw new RuntimeError("NodeNotFound", `No service ${this.serviceName(spec.name)}`);
      return this.launch(spec, await this.blueprint(spec), service, false);
    });
  }

  /** SIGKILL to the node's running task container; resolves once Swarm no longer counts the task as running. */
  kill(name: string): Promise<void> {
    if (!NODE_NAME_RE.test(name)) return Promise.resolve();
    return this.mutex.run(name, async () => {
      const service = await this.ownService(name);
      if (!service) return;
      for (const container of await this.taskContainers(name, service.id)) if (container.running) await this.kit.containers.kill(container.id);
      await this.untilNoTaskRuns(service, 5_000);
    });
  }

  remove(name: string): Promise<void> {
    if (!NODE_NAME_RE.test(name)) return Promise.resolve();
    return this.mutex.run(name, async () => {
      const service = await this.services.inspect(this.serviceName(name));
      if (service && !isOwnedBy(service.labels, this.kit.owner)) throw new RuntimeError("Conflict", `Service ${service.name} is not this installation's`);
      await this.removeService(name, service);
      await this.kit.volumes.remove(this.names.volume(name));
    });
  }

  async exportDataFile(name: string, destinationPath: string): Promise<void> {
    checkNodeName(name);
    const service = await this.ownService(name);
    if (!service) throw new RuntimeError("NodeNotFound", `No service ${this.serviceName(name)}`);
    const [container] = await this.taskContainers(name, service.id);
    if (!container) throw new RuntimeError("NodeNotFound", `No task container of service ${service.name} on this Docker engine`);
    const archive = await this.kit.containers.getArchive(container.id, `${DATA_DIR}/${DATA_FILE_NAME}`);
    if (!archive || !(await extractFirstFile(archive, destinationPath))) {
      throw new RuntimeError("NoDataFile", `Node "${name}" has no ${DATA_FILE_NAME}: run BGSAVE and wait for it to finish first`);
    }
  }

  /** Services of this installation (running when a task of theirs runs), and volumes whose service is gone (so orphan removal finds them). */
  async list(): Promise<ObservedNode[]> {
    const filters = ownerFilters(this.kit.owner);
    const [services, volumes] = await Promise.all([this.services.list(filters), this.kit.volumes.list(filters)]);
    const tasks = await this.services.tasks(services.map((service) => service.id));
    const running = new Set(tasks.filter((task) => task.running).map((task) => task.serviceId));
    const out = new Map<string, ObservedNode>();
    for (const service of services) {
      const node = observedFromLabels(this.kit.addressing, service.labels, service.id, running.has(service.id));
      if (node) out.set(node.name, node);
    }
    for (const volume of volumes) {
      const node = observedFromLabels(this.kit.addressing, volume.labels, "", false);
      if (node && !out.has(node.name)) out.set(node.name, node);
    }
    return [...out.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Removes the overlay network of a subnet group if no service uses it; "not found" and "in use" are not errors. */
  /**
   * Swarm detaches a removed service's task from the overlay network a moment after the service
   * is gone, and Docker calls the network in use meanwhile: while no service of ours names it,
   * removal is tried again for a few seconds, so the subnet group's last node takes its network along.
   */
  async removeNetwork(network: string): Promise<void> {
    const deadline = Date.now() + NETWORK_RELEASE_MS;
    for (;;) {
      const kept = await this.networks.remove(network);
      if (kept.length === 0 || Date.now() > deadline) return;
      const services = await this.services.list(ownerFilters(this.kit.owner));
      if (services.some((service) => service.networkIds.some((id) => kept.includes(id)))) return;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  async close(): Promise<void> {
    this.networks.clear();
    this.kit.clear();
  }

  // --- internals -------------------------------------------------------------------------------

  private async startLocked(spec: NodeSpec): Promise<NodeHandle> {
    // Redis Cluster nodes announce host addresses every node and client reaches; a swarm task's
    // published ports are on the ingress mesh, not one host, so cluster mode is not offered here.
    if (spec.hostNetwork) throw new RuntimeError("InvalidSpec", `node ${spec.name}: the host's network (cluster mode enabled) is not supported by the Swarm runtime`);
    const blueprint = await this.blueprint(spec);
    const service = await this.services.inspect(this.serviceName(spec.name));
    if (service && !isOwnedBy(service.labels, this.kit.owner)) {
      throw new RuntimeError("Conflict", `Service ${service.name} exists but is not this installation's (labels ${LABEL.prefix}/${LABEL.installation})`);
    }
    if (service && service.labels[LABEL.shape] === blueprint.shape) {
      const current = (await this.services.tasks([service.id])).find((task) => task.forceUpdate === service.forceUpdate);
      if (current?.running) {
        const handle = this.handle(spec, service.id, blueprint.extras);
        await this.waitReady(spec, service, service.forceUpdate, handle.adminAddress, true);
        this.kit.log.debug({ service: service.name }, "node service adopted");
        return handle;
      }
    } else if (service) {
      this.kit.log.debug({ service: service.name }, "node's image, ports, zone or command changed; updating its service");
    }
    return this.launch(spec, blueprint, service, true);
  }

  /**
   * Runs the node's engine in a new task: creates the service, or stops its running task and
   * replaces it (new spec, new secrets, force-update counter raised). Writes the data file into the
   * volume first, while nothing runs.
   */
  private async launch(spec: NodeSpec, blueprint: Blueprint, existing: ServiceState | undefined, removeOnFailure: boolean): Promise<NodeHandle> {
    const t0 = performance.now();
    const volume = this.names.volume(spec.name);
    const { [LABEL.shape]: _shape, ...volumeLabels } = blueprint.labels;
    await this.kit.imageStore.ensure(blueprint.image);
    const [networkId, freshVolume] = await Promise.all([this.networks.ensure(spec.network), this.kit.volumes.ensure(volume, volumeLabels)]);
    if (existing) await this.stopTask(spec.name, existing);
    await this.writeInputs(spec, blueprint.image, existing, dataFileEntries(spec, freshVolume));
    const secrets = await this.secrets.create(spec.name, blueprint.secretFiles);
    const forceUpdate = existing ? existing.forceUpdate + 1 : 0;
    const desired = serviceSpec({
      name: this.serviceName(spec.name),
      image: blueprint.image,
      args: blueprint.args,
      labels: blueprint.labels,
      containerLabels: { ...ownerLabels(this.kit.owner), [LABEL.node]: spec.name },
      ports: [{ target: INTERNAL_PORT[spec.engine], published: spec.hostPort }, ...blueprint.extras.map((extra) => ({ target: extra.internal, published: extra.hostPort }))],
      network: { id: networkId, alias: spec.name },
      volume: { name: volume, target: DATA_DIR, labels: volumeLabels },
      secrets,
      constraints: blueprint.constraints,
      stopGraceMs: this.kit.stopTimeoutSec * 1000,
      forceUpdate,
    });
    let service: ServiceState;
    try {
      if (existing) {
        await this.services.update(existing, desired);
        service = existing;
      } else {
        service = { id: await this.services.create(desired), name: desired.Name!, labels: blueprint.labels, version: 0, forceUpdate, secretIds: secrets.map((secret) => secret.id), networkIds: [networkId] };
      }
    } catch (error) {
      await this.secrets.prune(spec.name, new Set(existing?.secretIds));
      if (statusOf(error) === 404 && /network/i.test(messageOf(error))) this.networks.forget(spec.network); // removed behind our back: made again next time
      throw error;
    }
    const handle = this.handle(spec, service.id, blueprint.extras);
    await this.waitReady(spec, service, forceUpdate, handle.adminAddress, removeOnFailure);
    await this.secrets.prune(spec.name, new Set(secrets.map((secret) => secret.id)));
    this.kit.log.debug({ service: service.name, ms: Math.round(performance.now() - t0), updated: Boolean(existing) }, "node service ready");
    return handle;
  }

  private async blueprint(spec: NodeSpec): Promise<Blueprint> {
    const { image, launch, extras } = this.kit.engineStart(spec, FILES_DIR);
    const command = this.kit.commands[spec.engine];
    const args = launch.config === undefined ? [command, ...launch.args] : [command, CONFIG_PATH];
    const secretFiles: SecretFile[] = Object.entries(spec.files ?? {}).map(([name, data]) => ({ purpose: "file", target: `${FILES_DIR}/${name}`, data }));
    if (launch.config !== undefined) secretFiles.push({ purpose: "conf", target: CONFIG_PATH, data: launch.config });
    const constraints = await this.placement.constraints(spec.zone);
    // The zone, not the constraints: zone labels added to the swarm later must not replace running nodes.
    const shape = shapeOf([image, args, spec.hostPort, extras, spec.network, spec.zone ?? ""]);
    const labels = { ...nodeLabels(this.kit.owner, spec, extras, shape), ...(spec.zone ? { [ZONE_LABEL]: spec.zone } : {}) };
    return { image, args, extras, labels, secretFiles, constraints, shape };
  }

  private handle(spec: NodeSpec, serviceId: string, extras: PublishedExtra[]): NodeHandle {
    return nodeHandle(this.kit.addressing, spec.name, serviceId, spec.engine, spec.hostPort, extras);
  }

  private async ownService(name: string): Promise<ServiceState | undefined> {
    const service = await this.services.inspect(this.serviceName(name));
    return service && isOwnedBy(service.labels, this.kit.owner) ? service : undefined;
  }

  /** The node's task containers on this Docker engine (of one service, when given), newest first. */
  private async taskContainers(node: string, serviceId?: string): Promise<ContainerSummary[]> {
    const list = await this.kit.containers.list(ownerFilters(this.kit.owner, { [LABEL.node]: node }));
    return list.filter((container) => container.labels[SERVICE_ID_LABEL] && (!serviceId || container.labels[SERVICE_ID_LABEL] === serviceId)).sort((a, b) => b.created - a.created);
  }

  /** Stops the service's running task (SIGTERM, then SIGKILL after the stop timeout) and waits until Swarm sees it ended. */
  private async stopTask(node: string, service: ServiceState): Promise<void> {
    const running = (await this.taskContainers(node, service.id)).filter((container) => container.running);
    if (running.length === 0) return;
    await Promise.all(running.map((container) => this.kit.containers.stop(container.id, this.kit.stopTimeoutSec)));
    await this.untilNoTaskRuns(service, (this.kit.stopTimeoutSec + 5) * 1000);
  }

  private async untilNoTaskRuns(service: ServiceState, timeoutMs: number): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while ((await this.services.tasks([service.id])).some((task) => task.running) && performance.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /**
   * Writes entries into the node's volume while no task runs: into the service's last task
   * container (stopped), or, when there is none (a new service), a parked container that only
   * mounts the volume and never starts.
   */
  private async writeInputs(spec: NodeSpec, image: string, service: ServiceState | undefined, entries: ArchiveEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const [last] = service ? await this.taskContainers(spec.name, service.id) : [];
    if (last) {
      await this.kit.containers.putArchive(last.id, DATA_DIR, packEntries(entries));
      return;
    }
    const parked = this.names.parkedContainer(spec.name);
    await this.kit.containers.remove(parked);
    await this.kit.containers.create({ name: parked, image, cmd: [this.kit.commands[spec.engine]], labels: { ...ownerLabels(this.kit.owner), [LABEL.node]: spec.name }, mounts: [{ volume: this.names.volume(spec.name), target: DATA_DIR }] });
    try {
      await this.kit.containers.putArchive(parked, DATA_DIR, packEntries(entries));
    } finally {
      await this.kit.containers.remove(parked);
    }
  }

  /**
   * Waits until the task of this start (the one made with `forceUpdate`) runs and the engine
   * answers. A task that ends, or that Swarm cannot place, fails the start at once with Swarm's
   * reason and the engine's last log lines.
   */
  private async waitReady(spec: NodeSpec, service: ServiceState, forceUpdate: number, addr: Address, removeOnFailure: boolean): Promise<void> {
    try {
      await waitUntilReady(addr, spec.engine, {
        timeoutMs: this.readyTimeoutMs,
        checkEveryMs: 250,
        tls: spec.tlsOnly,
        what: `${spec.engine} service ${service.name}`,
        check: async () => {
          const task = (await this.services.tasks([service.id])).find((candidate) => candidate.forceUpdate === forceUpdate);
          if (task) await this.failIfStuck(service, task);
        },
      });
    } catch (error) {
      if (error instanceof RuntimeError && error.code === "StartTimeout") error.message += `. Logs:\n${await this.logsTail(spec.name, service.id)}`;
      if (removeOnFailure) await this.removeService(spec.name, service).catch(() => undefined);
      throw error;
    }
  }

  private async failIfStuck(service: ServiceState, task: TaskState): Promise<void> {
    if (task.ended) {
      const logs = task.containerId ? await this.kit.containers.logsTail(task.containerId) : "(no container)";
      throw new RuntimeError("StartFailed", `The task of service ${service.name} ended (${task.state}: ${task.error || "no reason given"}) during start:\n${logs}`);
    }
    if (task.state !== "pending" || !task.error) return;
    // The reconciler moves a node whose port was taken meanwhile: say so in the words it looks for.
    if (/port already in use/i.test(task.error)) throw new RuntimeError("StartFailed", `A host port of service ${service.name} is already allocated (Swarm: ${task.error})`);
    if (/constraint/i.test(task.error)) throw new RuntimeError("NoPlacement", `Swarm cannot place service ${service.name}: ${task.error}`);
  }

  private async logsTail(node: string, serviceId: string): Promise<string> {
    const [last] = await this.taskContainers(node, serviceId).catch(() => []);
    return last ? this.kit.containers.logsTail(last.id) : "(no task container yet)";
  }

  /** Removes the node's service, its task containers on this engine and its secrets; keeps the volume. */
  private async removeService(node: string, service: ServiceState | undefined): Promise<void> {
    if (service) await this.services.remove(service.id);
    // Swarm removes a removed service's containers itself, but only after its two-second wait for
    // the overlay's gossip; the volume cannot go before they do.
    await Promise.all((await this.taskContainers(node)).map((container) => this.kit.containers.remove(container.id)));
    await this.secrets.prune(node);
  }
}
