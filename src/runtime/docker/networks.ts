/**
 * One network per subnet group, where nodes reach each other by alias: a bridge network for
 * containers, an attachable overlay network for Swarm services (the driver is the runtime's
 * choice; a network of the other driver is never used, so the two runtimes never share one). Creation is
 * serialized per network name across every runtime of this process (a module-level keyed mutex):
 * Docker's own duplicate check is best effort, and two networks of one name make "network is
 * ambiguous" errors for whoever attaches by name. Networks are found by label and used by id,
 * never by a name that could be ambiguous. A duplicate made by another process all the same is
 * pruned, keeping the oldest.
 */
import { KeyedMutex } from "../mutex.ts";
import type { RuntimeLogger } from "../logger.ts";
import { statusOf, type DockerApi } from "./docker-api.ts";
import { LABEL, ownerFilters, ownerLabels, type Owner } from "./labels.ts";

const creation = new KeyedMutex();

interface NetworkSummary {
  id: string;
  created: string;
}

/** How a runtime's networks are made and named. */
export interface NetworkKind {
  driver: "bridge" | "overlay";
  /** The Docker name of a subnet group's network. */
  name(network: string): string;
}

export class Networks {
  /** network -> Docker id, for networks this runtime made or found. */
  private readonly known = new Map<string, Promise<string>>();

  constructor(
    private readonly api: DockerApi,
    private readonly owner: Owner,
    private readonly kind: NetworkKind,
    private readonly log: RuntimeLogger,
  ) {}

  /** The network's Docker id, creating it when there is none. */
  ensure(network: string): Promise<string> {
    let p = this.known.get(network);
    if (!p) {
      p = creation.run(this.kind.name(network), () => this.findOrCreate(network));
      this.known.set(network, p);
      p.catch(() => this.known.delete(network));
    }
    return p;
  }

  /** Forgets a network removed behind our back. */
  forget(network: string): void {
    this.known.delete(network);
  }

  clear(): void {
    this.known.clear();
  }

  /**
   * Removes the network if no container is attached; "not found" and "in use" are not errors.
   * Resolves with the ids of the networks of that name kept because they are in use.
   */
  remove(network: string): Promise<string[]> {
    this.known.delete(network);
    return creation.run(this.kind.name(network), async () => {
      const kept: string[] = [];
      for (const net of await this.find(network)) if ((await this.removeUnused(network, net.id)) === "in use") kept.push(net.id);
      return kept;
    });
  }

  private async findOrCreate(network: string): Promise<string> {
    let found = await this.find(network);
    if (found.length === 0) {
      const name = this.kind.name(network);
      const created = await this.api.call("network.create", { network, name }, (docker) =>
        docker.createNetwork({
          Name: name,
          CheckDuplicate: true,
          Driver: this.kind.driver,
          ...(this.kind.driver === "overlay" ? { Attachable: true } : {}),
          Labels: { ...ownerLabels(this.owner), [LABEL.network]: network },
        }),
      );
      found = await this.find(network);
      if (found.length === 0) return created.id;
    }
    found.sort((a, b) => a.created.localeCompare(b.created) || a.id.localeCompare(b.id));
    for (const duplicate of found.slice(1)) await this.removeUnused(network, duplicate.id);
    return found[0].id;
  }

  /** Docker refuses to remove a network with containers attached (403): such a network is kept. */
  private async removeUnused(network: string, id: string): Promise<"removed" | "gone" | "in use"> {
    const outcome = await this.api.call("network.remove", { network, id }, (docker) =>
      docker.getNetwork(id).remove().then(
        () => "removed" as const,
        (error) => {
          if (statusOf(error) === 404) return "gone" as const;
          if (statusOf(error) === 403 || statusOf(error) === 409) return "in use" as const;
          throw error;
        },
      ),
    );
    if (outcome === "in use") this.log.debug({ network, id }, "network still in use; kept");
    return outcome;
  }

  private async find(network: string): Promise<NetworkSummary[]> {
    const list = await this.api.call("network.list", { network }, (docker) =>
      docker.listNetworks({ filters: { label: ownerFilters(this.owner, { [LABEL.network]: network }) } }),
    );
    return list
      .filter((net) => net.Labels?.[LABEL.network] === network && net.Driver === this.kind.driver)
      .map((net) => ({ id: net.Id, created: net.Created }));
  }
}
