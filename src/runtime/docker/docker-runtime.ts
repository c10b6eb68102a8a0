/**
 * NodeRuntime on Docker containers (dockerode). One container per node, `<prefix><name>`, on one
 * bridge network per spec.network, `<prefix>net-<network>`, where its alias is the node name. The
 * engine listens on its default port inside the container (6379 / 11211), published on
 * publishHost:hostPort. Containers and networks carry `elasticache-local.*` labels; list() finds
 * ours by label (and by prefix, so two runtimes with different prefixes never see each other).
 *
 * Docker's quirks (304 already started, 409 name in use / removal in progress / not running,
 * 404 already gone) are absorbed in one place: `ignoreStatus` + the call sites that name them.
 */
import Docker from "dockerode";
import { ENGINE_COMMAND, INTERNAL_PORT, engineArgs } from "../engine-config.ts";
import { RuntimeError } from "../errors.ts";
import { imageFor, imageUnavailableMessage, type ImageTable } from "../images.ts";
import { silentLogger, type RuntimeLogger } from "../logger.ts";
import { KeyedMutex, NODE_NAME_RE } from "../mutex.ts";
import { waitUntilReady } from "../readiness.ts";
import type { Address, EngineKind, NodeHandle, NodeRuntime, NodeSpec, ObservedNode } from "../types.ts";

export const LABEL = {
  managed: "elasticache-local.managed",
  prefix: "elasticache-local.prefix",
  node: "elasticache-local.node",
  engine: "elasticache-local.engine",
  engineVersion: "elasticache-local.engine-version",
  hostPort: "elasticache-local.host-port",
  network: "elasticache-local.network",
  /** spec.labels are stored under this prefix. */
  userPrefix: "elasticache-local.label.",
} as const;

export interface DockerRuntimeOptions {
  /** Resolved engine/version -> image table (see images.ts: resolveImageTable). */
  images: ImageTable;
  /** A ready dockerode client; otherwise one is made from socketPath (default: DOCKER_HOST or /var/run/docker.sock). */
  docker?: Docker;
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

interface DockerError extends Error {
  statusCode?: number;
  reason?: string;
  json?: { message?: string };
  code?: string;
}

function statusOf(err: unknown): number | undefined {
  return (err as DockerError | undefined)?.statusCode;
}

/** Awaits `p`, treating the listed HTTP statuses as success (returns undefined for them). */
async function ignoreStatus<T>(p: Promise<T>, ...statuses: number[]): Promise<T | undefined> {
  try {
    return await p;
  } catch (err) {
    if (statuses.includes(statusOf(err) ?? -1)) return undefined;
    throw err;
  }
}

/** Docker's multiplexed log stream (8-byte frame headers when there is no TTY) -> text. */
export function demuxDockerLogs(buf: Buffer): string {
  const parts: Buffer[] = [];
  let i = 0;
  while (i + 8 <= buf.length && (buf[i] === 0 || buf[i] === 1 || buf[i] === 2) && buf[i + 1] === 0 && buf[i + 2] === 0 && buf[i + 3] === 0) {
    const len = buf.readUInt32BE(i + 4);
    parts.push(buf.subarray(i + 8, i + 8 + len));
    i += 8 + len;
  }
  if (i === 0) return buf.toString("utf8");
  return Buffer.concat(parts).toString("utf8");
}

export class DockerRuntime implements NodeRuntime {
  readonly kind = "docker" as const;
  readonly docker: Docker;
  private readonly images: ImageTable;
  private readonly publishHost: string;
  private readonly advertisedHost: string;
  private readonly inDocker: boolean;
  private readonly prefix: string;
  private readonly commands: Record<EngineKind, string>;
  private readonly readyTimeoutMs: number;
  private readonly stopTimeoutSec: number;
  private readonly pullTimeoutMs: number;
  private readonly log: RuntimeLogger;
  private readonly mutex = new KeyedMutex();
  private readonly networks = new Map<string, Promise<string>>();
  private readonly pulled = new Map<string, Promise<void>>();

  constructor(opts: DockerRuntimeOptions) {
    this.docker = opts.docker ?? new Docker(opts.socketPath ? { socketPath: opts.socketPath } : undefined);
    this.images = opts.images;
    this.publishHost = opts.publishHost ?? "127.0.0.1";
    this.advertisedHost = opts.advertisedHost ?? "127.0.0.1";
    this.inDocker = opts.controlPlaneInDocker ?? false;
    this.prefix = opts.namePrefix ?? "ecl-";
    this.commands = { ...ENGINE_COMMAND, ...(opts.commands ?? {}) };
    this.readyTimeoutMs = opts.readyTimeoutMs ?? 15_000;
    this.stopTimeoutSec = Math.max(0, Math.ceil((opts.stopTimeoutMs ?? 5_000) / 1000));
    this.pullTimeoutMs = opts.pullTimeoutMs ?? 300_000;
    this.log = opts.logger ?? silentLogger;
  }

  containerName(node: string): string {
    return `${this.prefix}${node}`;
  }

  networkName(network: string): string {
    return `${this.prefix}net-${network}`;
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
      const info = await this.inspect(cname);
      if (!info || !this.isOurs(info.Config.Labels)) throw new RuntimeError("NodeNotFound", `No container ${cname}`);
      await this.call("container.restart", { container: cname }, () => this.docker.getContainer(cname).restart({ t: this.stopTimeoutSec }));
      const engine = info.Config.Labels[LABEL.engine] as EngineKind;
      const hostPort = Number(info.Config.Labels[LABEL.hostPort]);
      const handle = this.handle(name, info.Id, engine, hostPort);
      await this.waitReady(cname, engine, handle.adminAddress, false);
      return handle;
    });
  }

  kill(name: string): Promise<void> {
    return this.mutex.run(name, async () => {
      const cname = this.containerName(name);
      // 404: no such container; 409: not running.
      await this.call("container.kill", { container: cname }, () => ignoreStatus(this.docker.getContainer(cname).kill(), 404, 409));
      const deadline = performance.now() + 5_000;
      for (;;) {
        const info = await this.inspect(cname);
        if (!info || !info.State.Running || performance.now() > deadline) return;
        await new Promise((r) => setTimeout(r, 5));
      }
    });
  }

  remove(name: string): Promise<void> {
    return this.mutex.run(name, () => this.removeContainer(this.containerName(name)));
  }

  async list(): Promise<ObservedNode[]> {
    const containers = await this.call("container.list", {}, () =>
      this.docker.listContainers({ all: true, filters: { label: [`${LABEL.managed}=true`, `${LABEL.prefix}=${this.prefix}`] } }),
    );
    const out: ObservedNode[] = [];
    for (const c of containers) {
      const labels = c.Labels ?? {};
      const name = labels[LABEL.node];
      if (!name) continue;
      const handle = this.handle(name, c.Id, labels[LABEL.engine] as EngineKind, Number(labels[LABEL.hostPort]));
      out.push({ ...handle, running: c.State === "running", labels: userLabels(labels) });
    }
    return out.sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Removes the network of a subnet group if no container is attached; "not found" and "in use" are not errors. */
  async removeNetwork(network: string): Promise<void> {
    const net = this.networkName(network);
    this.networks.delete(net);
    const info = await this.call("network.inspect", { network: net }, () => ignoreStatus(this.docker.getNetwork(net).inspect(), 404));
    if (!info) return;
    if (Object.keys(info.Containers ?? {}).length > 0) {
      this.log.debug({ network: net }, "network still in use; kept");
      return;
    }
    // 403/409: endpoints attached meanwhile.
    await this.call("network.remove", { network: net }, () => ignoreStatus(this.docker.getNetwork(info.Id).remove(), 404, 403, 409));
  }

  async close(): Promise<void> {
    this.networks.clear();
    this.pulled.clear();
  }

  // --- internals -------------------------------------------------------------------------------

  private async startLocked(spec: NodeSpec): Promise<NodeHandle> {
    const cname = this.containerName(spec.name);
    const image = imageFor(this.images, spec.engine, spec.engineVersion);
    const t0 = performance.now();
    let info = await this.inspect(cname);
    if (info) {
      const labels = info.Config.Labels ?? {};
      if (!this.isOurs(labels)) {
        throw new RuntimeError("Conflict", `Container ${cname} exists but is not managed by this runtime (labels ${LABEL.managed}/${LABEL.prefix})`);
      }
      const same = labels[LABEL.engine] === spec.engine && Number(labels[LABEL.hostPort]) === spec.hostPort && info.Config.Image === image;
      if (!same) {
        this.log.debug({ container: cname }, "node spec changed (engine/port/image); replacing its container");
        await this.removeContainer(cname);
        info = undefined;
      } else if (!info.State.Running) {
        try {
          await this.startContainer(cname);
        } catch (err) {
          this.log.warn?.({ container: cname, err: (err as Error).message }, "stopped container would not start; recreating it");
          await this.removeContainer(cname);
          info = undefined;
        }
      }
    }
    let id: string;
    if (info) {
      id = info.Id;
    } else {
      id = await this.createContainer(spec, image);
      await this.startContainer(cname);
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
      [LABEL.managed]: "true",
      [LABEL.prefix]: this.prefix,
      [LABEL.node]: spec.name,
      [LABEL.engine]: spec.engine,
      [LABEL.engineVersion]: spec.engineVersion,
      [LABEL.hostPort]: String(spec.hostPort),
      [LABEL.network]: spec.network,
    };
    for (const [k, v] of Object.entries(spec.labels ?? {})) labels[LABEL.userPrefix + k] = v;
    const portKey = `${internal}/tcp`;

    for (let attempt = 0; ; attempt++) {
      await this.ensureImage(image);
      const net = await this.ensureNetwork(spec.network);
      try {
        const container = await this.call("container.create", { container: cname, image }, () =>
          this.docker.createContainer({
            name: cname,
            Image: image,
            Cmd: [this.commands[spec.engine], ...args],
            Labels: labels,
            ExposedPorts: { [portKey]: {} },
            HostConfig: {
              PortBindings: { [portKey]: [{ HostIp: this.publishHost, HostPort: String(spec.hostPort) }] },
              RestartPolicy: { Name: "no" },
              NetworkMode: net,
            },
            NetworkingConfig: { EndpointsConfig: { [net]: { Aliases: [spec.name] } } },
          }),
        );
        return container.id;
      } catch (err) {
        const status = statusOf(err);
        if (status === 409 && attempt === 0) {
          // Name in use: created concurrently by another control plane, or a removal in progress.
          const info = await this.inspect(cname);
          if (info && this.isOurs(info.Config.Labels) && !info.State.Dead && info.State.Status !== "removing") return info.Id;
          await this.removeContainer(cname);
          continue;
        }
        if (status === 404 && /image/i.test(messageOf(err)) && attempt === 0) {
          this.pulled.delete(image); // deleted since we checked it
          continue;
        }
        if (status === 404 && /network/i.test(messageOf(err)) && attempt === 0) {
          this.networks.delete(this.networkName(spec.network)); // removed behind our back
          continue;
        }
        throw err;
      }
    }
  }

  private async startContainer(cname: string): Promise<void> {
    // 304: already started.
    await this.call("container.start", { container: cname }, () => ignoreStatus(this.docker.getContainer(cname).start(), 304));
  }

  private async removeContainer(cname: string): Promise<void> {
    // 404: already gone; 409: removal already in progress.
    await this.call("container.remove", { container: cname }, () => ignoreStatus(this.docker.getContainer(cname).remove({ force: true, v: true }), 404, 409));
  }

  private async waitReady(cname: string, engine: EngineKind, addr: Address, removeOnFailure: boolean): Promise<void> {
    try {
      await waitUntilReady(addr, engine, {
        timeoutMs: this.readyTimeoutMs,
        checkEveryMs: 250,
        what: `${engine} container ${cname}`,
        check: async () => {
          const info = await this.inspect(cname);
          if (!info) throw new RuntimeError("StartFailed", `Container ${cname} disappeared during start`);
          if (!info.State.Running && !info.State.Restarting) {
            throw new RuntimeError("StartFailed", `Container ${cname} exited (code ${info.State.ExitCode}) during start:\n${await this.logsTail(cname)}`);
          }
        },
      });
    } catch (err) {
      if (err instanceof RuntimeError && err.code === "StartTimeout") err.message += `. Logs:\n${await this.logsTail(cname)}`;
      if (removeOnFailure) await this.removeContainer(cname).catch(() => undefined);
      throw err;
    }
  }

  private async logsTail(cname: string): Promise<string> {
    try {
      const buf = (await this.docker.getContainer(cname).logs({ stdout: true, stderr: true, tail: 10, follow: false })) as unknown as Buffer;
      return demuxDockerLogs(Buffer.isBuffer(buf) ? buf : Buffer.from(String(buf))).trim();
    } catch {
      return "(no logs)";
    }
  }

  /** Creates the network once (memoized per process; duplicates from concurrent creators are pruned). Returns its name. */
  private ensureNetwork(network: string): Promise<string> {
    const net = this.networkName(network);
    let p = this.networks.get(net);
    if (!p) {
      p = this.createNetwork(network, net);
      this.networks.set(net, p);
      p.catch(() => this.networks.delete(net));
    }
    return p;
  }

  private async createNetwork(network: string, net: string): Promise<string> {
    const found = await this.findNetworks(net);
    if (found.length === 0) {
      await this.call("network.create", { network: net }, () =>
        ignoreStatus(
          this.docker.createNetwork({
            Name: net,
            CheckDuplicate: true,
            Driver: "bridge",
            Labels: { [LABEL.managed]: "true", [LABEL.prefix]: this.prefix, [LABEL.network]: network },
          }),
          409, // created concurrently
        ),
      );
    }
    // Docker's CheckDuplicate is best effort: two racing creators can both succeed. Keep the oldest.
    const all = await this.findNetworks(net);
    if (all.length > 1) {
      all.sort((a, b) => a.Created.localeCompare(b.Created) || a.Id.localeCompare(b.Id));
      for (const dup of all.slice(1)) {
        await this.call("network.remove", { network: net, id: dup.Id, duplicate: true }, () => ignoreStatus(this.docker.getNetwork(dup.Id).remove(), 404, 403, 409));
      }
    }
    return net;
  }

  private async findNetworks(net: string): Promise<Docker.NetworkInspectInfo[]> {
    const list = await this.call("network.list", { network: net }, () => this.docker.listNetworks({ filters: { name: [net] } }));
    return list.filter((n) => n.Name === net); // the name filter matches substrings
  }

  private ensureImage(image: string): Promise<void> {
    let p = this.pulled.get(image);
    if (!p) {
      p = this.pullIfMissing(image);
      this.pulled.set(image, p);
      p.catch(() => this.pulled.delete(image));
    }
    return p;
  }

  private async pullIfMissing(image: string): Promise<void> {
    const present = await this.call("image.inspect", { image }, () => ignoreStatus(this.docker.getImage(image).inspect(), 404));
    if (present) return;
    try {
      await this.call("image.pull", { image }, async () => {
        const stream = await this.docker.pull(image);
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`pull timed out after ${this.pullTimeoutMs} ms`)), this.pullTimeoutMs);
          this.docker.modem.followProgress(stream, (err: Error | null, output: Array<{ error?: string }>) => {
            clearTimeout(timer);
            const failed = err ?? output?.find((o) => o.error);
            if (failed) reject(failed instanceof Error ? failed : new Error(String(failed.error)));
            else resolve();
          });
        });
      });
    } catch (err) {
      if (err instanceof RuntimeError && err.code === "DockerUnavailable") throw err;
      throw new RuntimeError("ImageUnavailable", imageUnavailableMessage(image, messageOf(err)), { cause: err });
    }
  }

  private async inspect(cname: string): Promise<Docker.ContainerInspectInfo | undefined> {
    return this.call("container.inspect", { container: cname }, () => ignoreStatus(this.docker.getContainer(cname).inspect(), 404));
  }

  private isOurs(labels: Record<string, string> | undefined): boolean {
    return labels?.[LABEL.managed] === "true" && labels?.[LABEL.prefix] === this.prefix;
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

  /** Every Docker call goes through here: debug log with timing, and "daemon unreachable" mapped to one error. */
  private async call<T>(op: string, detail: Record<string, unknown>, fn: () => Promise<T>): Promise<T> {
    const t0 = performance.now();
    try {
      const result = await fn();
      this.log.debug({ op, ...detail, ms: Math.round((performance.now() - t0) * 10) / 10 }, "docker");
      return result;
    } catch (err) {
      this.log.debug({ op, ...detail, ms: Math.round((performance.now() - t0) * 10) / 10, status: statusOf(err), err: messageOf(err) }, "docker call failed");
      const code = (err as DockerError).code;
      if (statusOf(err) === undefined && (code === "ECONNREFUSED" || code === "ENOENT" || code === "EACCES")) {
        throw new RuntimeError("DockerUnavailable", `Docker engine unreachable (${code}): ${messageOf(err)}`, { cause: err });
      }
      throw err;
    }
  }
}

function messageOf(err: unknown): string {
  const e = err as DockerError;
  return e?.json?.message ?? e?.reason ?? e?.message ?? String(err);
}

function userLabels(labels: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(labels)) if (k.startsWith(LABEL.userPrefix)) out[k.slice(LABEL.userPrefix.length)] = v;
  return out;
}
