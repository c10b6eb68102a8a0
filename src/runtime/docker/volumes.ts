/**
 * One data volume per node, mounted at the engine's data directory: it holds the node's files as
 * the runtime wrote them and the engine's RDB file, outlives container replacements and restarts,
 * and is removed with the node.
 */
import { RuntimeError } from "../errors.ts";
import { ignoreStatus, statusOf, type DockerApi } from "./docker-api.ts";
import { isOwnedBy, type Owner } from "./labels.ts";

export interface VolumeSummary {
  name: string;
  labels: Record<string, string>;
}

export class Volumes {
  constructor(
    private readonly api: DockerApi,
    private readonly owner: Owner,
  ) {}

  /**
   * Creates the volume when missing; refuses one that is not ours. True when it was created now
   * (empty), false when it was there already (it may hold an earlier data file).
   */
  async ensure(name: string, labels: Record<string, string>): Promise<boolean> {
    const existing = await this.api.call("volume.inspect", { volume: name }, (docker) => ignoreStatus(docker.getVolume(name).inspect(), 404));
    if (existing) {
      if (!isOwnedBy(existing.Labels ?? {}, this.owner)) throw new RuntimeError("Conflict", `Volume ${name} exists but is not this installation's`);
      return false;
    }
    await this.api.call("volume.create", { volume: name }, (docker) => docker.createVolume({ Name: name, Labels: labels }));
    return true;
  }

  /** Removes the volume; "already gone" is success. A volume still held by a container being removed is retried briefly. */
  async remove(name: string): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.api.call("volume.remove", { volume: name }, (docker) => ignoreStatus(docker.getVolume(name).remove(), 404));
        return;
      } catch (error) {
        if (statusOf(error) !== 409 || attempt >= 20) throw error;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  }

  async list(labelFilters: string[]): Promise<VolumeSummary[]> {
    const { Volumes: volumes } = await this.api.call("volume.list", {}, (docker) => docker.listVolumes({ filters: { label: labelFilters } }));
    return (volumes ?? []).map((volume) => ({ name: volume.Name, labels: volume.Labels ?? {} }));
  }
}
