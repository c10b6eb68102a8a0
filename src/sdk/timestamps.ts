/**
 * JSON carries timestamps as ISO strings; the AWS SDK hands out Dates. The generated operation
 * table lists, per operation, where its output has timestamps ("Events.*.Date": `*` is every
 * item of a list or value of a map), and this turns those strings back into Dates.
 */
export function reviveTimestamps(paths: readonly string[], output: unknown): unknown {
  for (const path of paths) revive(output, path.split("."));
  return output;
}

function revive(value: unknown, path: readonly string[]): void {
  if (value === null || typeof value !== "object" || path.length === 0) return;
  const [head, ...rest] = path;
  const container = value as Record<string, unknown>;
  const keys = head === "*" ? Object.keys(container) : [head];
  for (const key of keys) {
    const child = container[key];
    if (rest.length > 0) revive(child, rest);
    else if (typeof child === "string") container[key] = new Date(child);
  }
}
