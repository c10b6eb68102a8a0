/**
 * The Swarm secrets that hand a node what the Docker runtime writes on stdin or into the volume:
 * Redis' configuration file (it may hold passwords and ACL users) and spec.files (certificates,
 * private keys). Swarm keeps secrets encrypted in its raft store and mounts them only into the
 * task's container (a tmpfs), so nothing secret is in a label, an environment variable or the
 * service spec, which names secrets by id only.
 *
 * Secrets cannot be changed and their content cannot be read back, so every start makes new ones
 * under fresh names, and the node's older secrets are removed once the service no longer names
 * them. They are found by label: the node's name and this installation's owner labels.
 */
import { ignoreStatus, statusOf, type DockerApi } from "../docker/docker-api.ts";
import { LABEL, ownerFilters, ownerLabels, type Owner } from "../docker/labels.ts";
import type { SwarmNames } from "./names.ts";

/** What a secret becomes in the task's container. */
export interface SecretFile {
  purpose: "conf" | "file";
  /** Absolute path in the container. */
  target: string;
  data: string | Buffer;
}

/** A secret as a service spec references it. */
export interface SecretRef {
  id: string;
  name: string;
  target: string;
}

export class Secrets {
  constructor(
    private readonly api: DockerApi,
    private readonly owner: Owner,
    private readonly names: SwarmNames,
  ) {}

  /** Makes one new secret per file; all or none (the ones made are removed when one fails). */
  async create(node: string, files: SecretFile[]): Promise<SecretRef[]> {
    const made = await Promise.allSettled(
      files.map(async (file): Promise<SecretRef> => {
        const name = this.names.secret(node, file.purpose);
        const created = (await this.api.call("secret.create", { secret: name }, (docker) =>
          docker.createSecret({
            Name: name,
            Labels: { ...ownerLabels(this.owner), [LABEL.node]: node },
            Data: Buffer.from(file.data).toString("base64"),
          }),
        )) as { id?: string; ID?: string };
        return { id: created.id ?? created.ID ?? "", name, target: file.target };
      }),
    );
    const refs = made.flatMap((result) => (result.status === "fulfilled" ? [result.value] : []));
    const failed = made.find((result) => result.status === "rejected");
    if (failed) {
      await Promise.all(refs.map((ref) => this.removeOne(ref.id)));
      throw failed.reason;
    }
    return refs;
  }

  /** Removes the node's secrets except `keep` (ids); a secret a service still names is left for a later pass. */
  async prune(node: string, keep: ReadonlySet<string> = new Set()): Promise<void> {
    const list = await this.api.call("secret.list", { node }, (docker) => docker.listSecrets({ filters: { label: ownerFilters(this.owner, { [LABEL.node]: node }) } }));
    await Promise.all(list.filter((secret) => !keep.has(secret.ID)).map((secret) => this.removeOne(secret.ID)));
  }

  private async removeOne(id: string): Promise<void> {
    try {
      await this.api.call("secret.remove", { secret: id }, (docker) => ignoreStatus(docker.getSecret(id).remove(), 404));
    } catch (error) {
      // In use by a service (Swarm answers 400): the next prune of the node removes it.
      if (statusOf(error) !== 400) throw error;
    }
  }
}
