/**
 * The labels every container, network and volume of ours carries. They are how a runtime finds
 * its own resources again (list, adopt, remove orphans) and how it refuses to touch anyone else's:
 * a resource is ours only with our instance prefix AND our installation id, so two control planes
 * that share an instance name on one Docker engine never remove each other's nodes.
 */
export const LABEL = {
  managed: "elasticache-local.managed",
  /** The instance prefix (`<ECL_INSTANCE>-`): tests and operators find all of an instance's objects by it. */
  prefix: "elasticache-local.prefix",
  /** The installation id (from the database) of the control plane that made it. */
  installation: "elasticache-local.installation",
  node: "elasticache-local.node",
  engine: "elasticache-local.engine",
  engineVersion: "elasticache-local.engine-version",
  hostPort: "elasticache-local.host-port",
  /** Extra ports, JSON: [{ name, hostPort, internal }]. */
  ports: "elasticache-local.ports",
  /** The client port speaks TLS only. */
  tls: "elasticache-local.tls",
  /** Hash of what a container is made of (image, command, ports, network): another value means another container. */
  shape: "elasticache-local.shape",
  network: "elasticache-local.network",
  /** The container runs in the host's network namespace (spec.hostNetwork). */
  hostNetwork: "elasticache-local.host-network",
  /** spec.labels are stored under this prefix. */
  userPrefix: "elasticache-local.label.",
} as const;

export interface Owner {
  prefix: string;
  installation: string;
}

/** Labels that mark a resource as this installation's. */
export function ownerLabels(owner: Owner): Record<string, string> {
  return { [LABEL.managed]: "true", [LABEL.prefix]: owner.prefix, [LABEL.installation]: owner.installation };
}

/** Docker label filters matching ownerLabels(owner). */
export function ownerFilters(owner: Owner, extra: Record<string, string> = {}): string[] {
  return Object.entries({ ...ownerLabels(owner), ...extra }).map(([key, value]) => `${key}=${value}`);
}

export function isOwnedBy(labels: Record<string, string> | undefined, owner: Owner): boolean {
  return Object.entries(ownerLabels(owner)).every(([key, value]) => labels?.[key] === value);
}

/** spec.labels as stored on a container. */
export function toUserLabels(labels: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(labels ?? {})) out[LABEL.userPrefix + k] = v;
  return out;
}

/** spec.labels back from a container's labels. */
export function fromUserLabels(labels: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(labels)) if (k.startsWith(LABEL.userPrefix)) out[k.slice(LABEL.userPrefix.length)] = v;
  return out;
}
