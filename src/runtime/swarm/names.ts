/**
 * Names of the Swarm runtime's objects, on the Docker runtime's scheme (docker/names.ts:
 * `<instance prefix><installation>-…`), with Swarm's tighter rules: a service name is a DNS label
 * (at most 63 characters of letters, digits and hyphens) and a secret name at most 64 characters.
 * Node names are already lowercase letters, digits and hyphens (spec.ts), so only the length needs
 * care: a name too long keeps its head and ends in a hash of the whole. Volumes keep the Docker
 * runtime's names (a node's data is the same either way); overlay networks get their own ("ov-"),
 * so a bridge network of the Docker runtime is never mistaken for one.
 */
import { randomBytes } from "node:crypto";
import { DockerNames, encodeName, fitName } from "../docker/names.ts";

const SERVICE_MAX = 63;
const SECRET_MAX = 64;

export class SwarmNames {
  private readonly docker: DockerNames;

  constructor(prefix: string, installationId: string) {
    this.docker = new DockerNames(prefix, installationId);
  }

  /** The node's service; also the prefix of its tasks' container names. */
  service(node: string): string {
    return fitName(`${this.docker.base}${node}`, SERVICE_MAX, "-");
  }

  /** A new name for one of the node's secrets (secrets cannot change, so each start makes new ones). */
  secret(node: string, purpose: "conf" | "file"): string {
    const suffix = `-${purpose}-${randomBytes(5).toString("hex")}`;
    return `${fitName(`${this.docker.base}${node}`, SECRET_MAX - suffix.length, "-")}${suffix}`;
  }

  volume(node: string): string {
    return this.docker.volume(node);
  }

  /** A container that only mounts the node's volume, to write files into it while no task runs. */
  parkedContainer(node: string): string {
    return fitName(`${this.docker.base}inputs-${encodeName(node)}`);
  }

  network(network: string): string {
    return fitName(`${this.docker.base}ov-${encodeName(network)}`);
  }
}
