/**
 * Containers as the runtime needs them: inspect, create, start, stop, kill, remove, list by label,
 * files in and out (tar), and the tail of a container's log for error messages. Answers are our
 * own shapes, not dockerode's.
 */
import type { Readable } from "node:stream";
import type Docker from "dockerode";
import { ignoreStatus, type DockerApi } from "./docker-api.ts";

export interface ContainerState {
  id: string;
  image: string;
  labels: Record<string, string>;
  running: boolean;
  /** Dead, or being removed: not worth starting again. */
  gone: boolean;
  exitCode: number;
  startedAt: string;
}

export interface ContainerSummary {
  id: string;
  labels: Record<string, string>;
  running: boolean;
  /** Creation time, seconds since the epoch. */
  created: number;
}

export interface ContainerCreate {
  name: string;
  image: string;
  cmd: string[];
  labels: Record<string, string>;
  /** Published ports: internal port -> host address and port. */
  publish?: { internal: number; hostIp: string; hostPort: number }[];
  /** Network id to attach to, with the aliases the container answers to there; "host": the host's network (nothing is published); none: no network at all. */
  network?: { id: string; aliases: string[] } | "host";
  /** Volumes by name, mounted at a path in the container. */
  mounts: { volume: string; target: string }[];
  /** The engine reads its configuration from stdin at every start (startWithInput). */
  stdin?: boolean;
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

export class Containers {
  constructor(private readonly api: DockerApi) {}

  async inspect(name: string): Promise<ContainerState | undefined> {
    const info = await this.api.call("container.inspect", { container: name }, (docker) => ignoreStatus(docker.getContainer(name).inspect(), 404));
    return info && stateOf(info);
  }

  /** Creates the container (not started); returns its id. */
  async create(c: ContainerCreate): Promise<string> {
    const exposed: Record<string, object> = {};
    const bindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
    for (const p of c.publish ?? []) {
      exposed[`${p.internal}/tcp`] = {};
      bindings[`${p.internal}/tcp`] = [{ HostIp: p.hostIp, HostPort: String(p.hostPort) }];
    }
    const container = await this.api.call("container.create", { container: c.name, image: c.image }, (docker) =>
      docker.createContainer({
        name: c.name,
        Image: c.image,
        Cmd: c.cmd,
        Labels: c.labels,
        ExposedPorts: exposed,
        ...(c.stdin ? { OpenStdin: true, StdinOnce: true, AttachStdin: true } : {}),
        HostConfig: {
          PortBindings: bindings,
          RestartPolicy: { Name: "no" },
          NetworkMode: c.network === "host" ? "host" : (c.network?.id ?? "none"),
          Mounts: c.mounts.map((m) => ({ Type: "volume" as const, Source: m.volume, Target: m.target })),
        },
        ...(c.network && c.network !== "host" ? { NetworkingConfig: { EndpointsConfig: { [c.network.id]: { Aliases: c.network.aliases } } } } : {}),
      }),
    );
    return container.id;
  }

  async start(name: string): Promise<void> {
    // 304: already started.
    await this.api.call("container.start", { container: name }, (docker) => ignoreStatus(docker.getContainer(name).start(), 304));
  }

  /**
   * Starts the container and writes `input` to its stdin, then closes it: attached before the
   * start, so the engine reads all of it. Docker gives a container made with OpenStdin a new stdin
   * at every start; nothing of the input is stored anywhere.
   */
  async startWithInput(name: string, input: string): Promise<void> {
    const stream = await this.api.call("container.attach", { container: name }, (docker) =>
      docker.getContainer(name).attach({ stream: true, stdin: true, stdout: false, stderr: false, hijack: true }),
    );
    try {
      await this.start(name);
      await new Promise<void>((resolve, reject) => {
        stream.once("error", reject);
        stream.end(input, () => resolve());
      });
    } finally {
      (stream as unknown as { destroy?(): void }).destroy?.();
    }
  }

  /** SIGTERM, SIGKILL after `timeoutSec`; "already stopped" is success. */
  async stop(name: string, timeoutSec: number): Promise<void> {
    await this.api.call("container.stop", { container: name }, (docker) => ignoreStatus(docker.getContainer(name).stop({ t: timeoutSec }), 304));
  }

  /** Extracts a tar stream into the container at `path` (which must exist there). */
  async putArchive(name: string, path: string, archive: Readable): Promise<void> {
    await this.api.call("container.putArchive", { container: name, path }, (docker) => docker.getContainer(name).putArchive(archive, { path }));
  }

  /** A tar stream of `path` in the container; undefined when the container or the path does not exist. */
  async getArchive(name: string, path: string): Promise<Readable | undefined> {
    const stream = await this.api.call("container.getArchive", { container: name, path }, (docker) => ignoreStatus(docker.getContainer(name).getArchive({ path }), 404));
    return stream as Readable | undefined;
  }

  /** SIGKILL; "no such container" and "not running" are success. */
  async kill(name: string): Promise<void> {
    await this.api.call("container.kill", { container: name }, (docker) => ignoreStatus(docker.getContainer(name).kill(), 404, 409));
  }

  /** Force-removes the container; "already gone" and "removal in progress" are success. */
  async remove(name: string): Promise<void> {
    await this.api.call("container.remove", { container: name }, (docker) => ignoreStatus(docker.getContainer(name).remove({ force: true, v: true }), 404, 409));
  }

  async list(labelFilters: string[]): Promise<ContainerSummary[]> {
    const list = await this.api.call("container.list", {}, (docker) => docker.listContainers({ all: true, filters: { label: labelFilters } }));
    return list.map((c) => ({ id: c.Id, labels: c.Labels ?? {}, running: c.State === "running", created: c.Created }));
  }

  /** The last lines of the container's output, for error messages. */
  async logsTail(name: string, lines = 10): Promise<string> {
    try {
      const buf = (await this.api.docker.getContainer(name).logs({ stdout: true, stderr: true, tail: lines, follow: false })) as unknown as Buffer;
      return demuxDockerLogs(Buffer.isBuffer(buf) ? buf : Buffer.from(String(buf))).trim();
    } catch {
      return "(no logs)";
    }
  }
}

function stateOf(info: Docker.ContainerInspectInfo): ContainerState {
  return {
    id: info.Id,
    image: info.Config.Image,
    labels: info.Config.Labels ?? {},
    running: info.State.Running || info.State.Restarting,
    gone: info.State.Dead || info.State.Status === "removing",
    exitCode: info.State.ExitCode,
    startedAt: info.State.StartedAt,
  };
}
