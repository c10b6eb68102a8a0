/**
 * One bridge network per subnet group, `<prefix>net-<network>`, where nodes reach each other by
 * alias. Created once per runtime (memoized); Docker's duplicate check is best effort, so a
 * duplicate made by a concurrent creator is pruned, keeping the oldest.
 */
import type Docker from "dockerode";
import { ignoreStatus, type DockerApi } from "./docker-api.ts";
import { LABEL, ownerLabels } from "./labels.ts";

export class Networks {
  private readonly created = new Map<string, Promise<string>>();

  constructor(
    private readonly api: DockerApi,
    private readonly prefix: string,
    private readonly log: { debug(obj: object, msg: string): void },
  ) {}

  nameOf(network: string): string {
    return `${this.prefix}net-${network}`;
  }

  /** Creates the network once; returns its name. */
  ensure(network: string): Promise<string> {
    const net = this.nameOf(network);
    let p = this.created.get(net);
    if (!p) {
      p = this.create(network, net);
      this.created.set(net, p);
      p.catch(() => this.created.delete(net));
    }
    return p;
  }

  /** Forgets the memo of a network removed behind our back. */
  forget(network: string): void {
    this.created.delete(this.nameOf(network));
  }

  clear(): void {
    this.created.clear();
  }

  /** Removes the network if no container is attached; "not found" and "in use" are not errors. */
  async remove(network: string): Promise<void> {
    const net = this.nameOf(network);
    this.created.delete(net);
    const info = await this.api.call("network.inspect", { network: net }, (docker) => ignoreStatus(docker.getNetwork(net).inspect(), 404));
    if (!info) return;
    if (Object.keys(info.Containers ?? {}).length > 0) {
      this.log.debug({ network: net }, "network still in use; kept");
      return;
    }
    // 403/409: endpoints attached meanwhile.
    await this.api.call("network.remove", { network: net }, (docker) => ignoreStatus(docker.getNetwork(info.Id).remove(), 404, 403, 409));
  }

  private async create(network: string, net: string): Promise<string> {
    const found = await this.find(net);
    if (found.length === 0) {
      await this.api.call("network.create", { network: net }, (docker) =>
        ignoreStatus(
          docker.createNetwork({
            Name: net,
            CheckDuplicate: true,
            Driver: "bridge",
            Labels: { ...ownerLabels(this.prefix), [LABEL.network]: network },
          }),
          409, // created concurrently
        ),
      );
    }
    // Docker's CheckDuplicate is best effort: two racing creators can both succeed. Keep the oldest.
    const all = await this.find(net);
    if (all.length > 1) {
      all.sort((a, b) => a.Created.localeCompare(b.Created) || a.Id.localeCompare(b.Id));
      for (const dup of all.slice(1)) {
        await this.api.call("network.remove", { network: net, id: dup.Id, duplicate: true }, (docker) => ignoreStatus(docker.getNetwork(dup.Id).remove(), 404, 403, 409));
      }
    }
    return net;
  }

  private async find(net: string): Promise<Docker.NetworkInspectInfo[]> {
    const list = await this.api.call("network.list", { network: net }, (docker) => docker.listNetworks({ filters: { name: [net] } }));
    return list.filter((n) => n.Name === net); // the name filter matches substrings
  }
}
