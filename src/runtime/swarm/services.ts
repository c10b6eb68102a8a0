/**
 * Swarm services and their tasks as the runtime needs them: inspect, create, update (with Swarm's
 * optimistic version check), remove, list by label, and the tasks of services. Answers are our own
 * shapes, not dockerode's; every call goes through the Docker runtime's logged door (DockerApi).
 */
import type Docker from "dockerode";
import { ignoreStatus, messageOf, type DockerApi } from "../docker/docker-api.ts";

export interface ServiceState {
  id: string;
  name: string;
  labels: Record<string, string>;
  /** Swarm's version of the service object: an update must name it. */
  version: number;
  /** The task template's force-update counter: raised to replace the task. */
  forceUpdate: number;
  /** Ids of the secrets the service's spec names. */
  secretIds: string[];
  /** Ids of the networks the service's tasks attach to. */
  networkIds: string[];
}

/** Swarm task states after which a task never runs again. */
const ENDED = new Set(["complete", "shutdown", "failed", "rejected", "remove", "orphaned"]);

export interface TaskState {
  id: string;
  serviceId: string;
  /** Swarm's state: new, pending, assigned, accepted, preparing, starting, running, complete, failed, rejected, … */
  state: string;
  desiredState: string;
  /** Why the task failed or waits (e.g. "no suitable node (…)"). */
  error: string;
  containerId?: string;
  /** The swarm node it was given to. */
  nodeId?: string;
  /** The service's force-update counter when the task was made: tells a task of this start from an older one. */
  forceUpdate: number;
  createdAt: string;
  running: boolean;
  ended: boolean;
}

interface RawTask {
  ID: string;
  ServiceID: string;
  NodeID?: string;
  DesiredState: string;
  CreatedAt: string;
  Spec?: { ForceUpdate?: number };
  Status?: { State?: string; Err?: string; Message?: string; ContainerStatus?: { ContainerID?: string } };
}

function taskOf(raw: RawTask): TaskState {
  const state = raw.Status?.State ?? "new";
  return {
    id: raw.ID,
    serviceId: raw.ServiceID,
    state,
    desiredState: raw.DesiredState,
    error: raw.Status?.Err ?? "",
    containerId: raw.Status?.ContainerStatus?.ContainerID || undefined,
    nodeId: raw.NodeID || undefined,
    forceUpdate: raw.Spec?.ForceUpdate ?? 0,
    createdAt: raw.CreatedAt,
    running: state === "running",
    ended: ENDED.has(state),
  };
}

function stateOf(service: Docker.Service): ServiceState {
  const template = service.Spec?.TaskTemplate as Docker.ContainerTaskSpec | undefined;
  return {
    id: service.ID,
    name: service.Spec?.Name ?? "",
    labels: service.Spec?.Labels ?? {},
    version: service.Version?.Index ?? 0,
    forceUpdate: template?.ForceUpdate ?? 0,
    secretIds: (template?.ContainerSpec?.Secrets ?? []).map((secret) => secret.SecretID ?? ""),
    networkIds: (template?.Networks ?? []).map((network) => network.Target ?? ""),
  };
}

export class Services {
  constructor(private readonly api: DockerApi) {}

  async inspect(name: string): Promise<ServiceState | undefined> {
    const info = (await this.api.call("service.inspect", { service: name }, (docker) => ignoreStatus(docker.getService(name).inspect(), 404))) as
      | Docker.Service
      | undefined;
    return info && stateOf(info);
  }

  /** Creates the service; returns its id. */
  async create(spec: Docker.ServiceSpec): Promise<string> {
    const created = (await this.api.call("service.create", { service: spec.Name }, (docker) => docker.createService(spec))) as unknown as { id?: string; ID?: string };
    return created.id ?? created.ID ?? "";
  }

  /**
   * Replaces the service's spec. Swarm refuses an update that does not name the service's current
   * version ("update out of sequence"); then the service is read again and the update retried.
   */
  async update(service: ServiceState, spec: Docker.ServiceSpec): Promise<void> {
    let version = service.version;
    for (let attempt = 0; ; attempt++) {
      try {
        await this.api.call("service.update", { service: service.name, version }, (docker) =>
          docker.getService(service.id).update({ _query: { version }, _body: spec }),
        );
        return;
      } catch (error) {
        if (!/out of sequence/i.test(messageOf(error)) || attempt >= 3) throw error;
        const current = await this.inspect(service.id);
        if (!current) throw error;
        version = current.version;
      }
    }
  }

  /** Removes the service; "already gone" is success. Its tasks are shut down by Swarm. */
  async remove(id: string): Promise<void> {
    await this.api.call("service.remove", { service: id }, (docker) => ignoreStatus(docker.getService(id).remove(), 404));
  }

  async list(labelFilters: string[]): Promise<ServiceState[]> {
    const list = await this.api.call("service.list", {}, (docker) => docker.listServices({ filters: { label: labelFilters } }));
    return list.map(stateOf);
  }

  /** The tasks of the given services (all of them, ended ones too), newest first. */
  async tasks(serviceIds: string[]): Promise<TaskState[]> {
    if (serviceIds.length === 0) return [];
    const list = (await this.api.call("task.list", { services: serviceIds.length }, (docker) => docker.listTasks({ filters: { service: serviceIds } }))) as RawTask[];
    return list.map(taskOf).sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.forceUpdate - a.forceUpdate);
  }
}
