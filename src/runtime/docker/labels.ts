/**
 * The labels every container and network of ours carries. They are how a runtime finds its own
 * resources again (list, adopt, remove orphans) and how it refuses to touch anyone else's.
 */
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

/** Labels that mark a resource as this runtime's (managed, prefix). */
export function ownerLabels(prefix: string): Record<string, string> {
  return { [LABEL.managed]: "true", [LABEL.prefix]: prefix };
}

/** Docker label filters matching ownerLabels(prefix). */
export function ownerFilters(prefix: string): string[] {
  return Object.entries(ownerLabels(prefix)).map(([key, value]) => `${key}=${value}`);
}

export function isOwnedBy(labels: Record<string, string> | undefined, prefix: string): boolean {
  return Object.entries(ownerLabels(prefix)).every(([key, value]) => labels?.[key] === value);
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
