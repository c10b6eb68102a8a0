/**
 * ElastiCache Memcached Auto Discovery replies, byte for byte (pure; no I/O).
 *
 *   CONFIG cluster 0 <bytes>\r\n
 *   <version>\n
 *   host|ip|port host|ip|port …\n      ← sorted by hostname, single spaces
 *   \r\n
 *   END\r\n
 *
 * <bytes> counts the version line and the node line including their "\n", not the "\r\n" after
 * them. Older clients send `get AmazonElastiCache:cluster` and get the same body as a plain item.
 */

export interface ClusterNode {
  hostname: string;
  /** May be empty when unknown: the entry is then `hostname||port`. */
  ip: string;
  port: number;
}

export interface ClusterConfig {
  /** Goes up by one whenever a node is added or removed. */
  version: number;
  nodes: ClusterNode[];
}

export const LEGACY_CONFIG_KEY = "AmazonElastiCache:cluster";

/** `<version>\n<nodes>\n`, the payload both reply forms carry. */
export function clusterConfigBody(config: ClusterConfig): string {
  const nodes = [...config.nodes]
    // plain code-unit order, not locale order, so the reply never depends on the machine's locale
    .sort((a, b) => (a.hostname < b.hostname ? -1 : a.hostname > b.hostname ? 1 : 0))
    .map((n) => `${n.hostname}|${n.ip}|${n.port}`)
    .join(" ");
  return `${config.version}\n${nodes}\n`;
}

/** Reply to `config get cluster`. */
export function formatConfigGetCluster(config: ClusterConfig): Buffer {
  const body = clusterConfigBody(config);
  return Buffer.from(`CONFIG cluster 0 ${Buffer.byteLength(body)}\r\n${body}\r\nEND\r\n`);
}

/** Reply to `get AmazonElastiCache:cluster` (engines before 1.4.14). */
export function formatLegacyGetCluster(config: ClusterConfig): Buffer {
  const body = clusterConfigBody(config);
  return Buffer.from(`VALUE ${LEGACY_CONFIG_KEY} 0 ${Buffer.byteLength(body)}\r\n${body}\r\nEND\r\n`);
}

export type ConfigCommand = "config-get-cluster" | "legacy-get-cluster";

/** Which Auto Discovery command a text-protocol line (without its line ending) is, if any. */
export function parseConfigCommand(line: string): ConfigCommand | undefined {
  const tokens = line.split(" ").filter((t) => t.length > 0);
  if (tokens.length === 3 && tokens[0] === "config" && tokens[1] === "get" && tokens[2] === "cluster") return "config-get-cluster";
  if (tokens.length === 2 && tokens[0] === "get" && tokens[1] === LEGACY_CONFIG_KEY) return "legacy-get-cluster";
  return undefined;
}

export function formatConfigReply(command: ConfigCommand, config: ClusterConfig): Buffer {
  return command === "config-get-cluster" ? formatConfigGetCluster(config) : formatLegacyGetCluster(config);
}
