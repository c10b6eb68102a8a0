/**
 * The rules a NodeSpec must follow before either runtime acts on it, so a bad spec is refused with
 * RuntimeError("InvalidSpec") before anything is created. Engine settings themselves are checked
 * where they are turned into a configuration (engine-config.ts).
 */
import { RuntimeError } from "./errors.ts";
import type { KeyedMutex } from "./mutex.ts";
import type { NodeSpec } from "./types.ts";

/**
 * Node names are the alias other nodes resolve in a Docker network (one DNS label: at most 63
 * characters of lowercase letters, digits and hyphens) and a directory name: resource ids, which
 * AWS stores lowercase, fit it.
 */
export const NODE_NAME_RE = /^[a-z0-9][a-z0-9-]{0,62}$/;
const PORT_NAME_RE = /^[a-z][a-z0-9-]{0,31}$/;
const FILE_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

const invalid = (message: string) => new RuntimeError("InvalidSpec", message);

export function checkNodeName(name: string): void {
  if (!NODE_NAME_RE.test(name)) {
    throw invalid(`Invalid node name "${name}": lowercase letters, digits and hyphens, at most 63 characters`);
  }
}

function checkPort(port: number, what: string): void {
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw invalid(`Invalid ${what} ${port}`);
}

export function checkSpec(spec: NodeSpec): void {
  checkNodeName(spec.name);
  if (typeof spec.network !== "string" || spec.network.length === 0) throw invalid(`Node "${spec.name}" has no network`);
  checkPort(spec.hostPort, "host port");
  const hostPorts = new Set([spec.hostPort]);
  const names = new Set<string>();
  for (const extra of spec.extraPorts ?? []) {
    if (!PORT_NAME_RE.test(extra.name) || names.has(extra.name)) throw invalid(`Invalid or repeated extra port name "${extra.name}"`);
    checkPort(extra.hostPort, `host port of "${extra.name}"`);
    if (hostPorts.has(extra.hostPort)) throw invalid(`Host port ${extra.hostPort} is given twice`);
    names.add(extra.name);
    hostPorts.add(extra.hostPort);
  }
  for (const file of Object.keys(spec.files ?? {})) {
    if (!FILE_NAME_RE.test(file)) throw invalid(`Invalid file name "${file}": a plain name of letters, digits, dots, hyphens and underscores`);
  }
  if (spec.engine === "memcached") {
    if (spec.tlsOnly) throw invalid("TLS is not supported for memcached nodes");
    if (spec.secretSettings && Object.keys(spec.secretSettings).length > 0) throw invalid("memcached takes no secret settings");
    if (spec.replicaOf) throw invalid("memcached nodes do not replicate");
    if (spec.dataFile) throw invalid("memcached nodes have no data file");
    if (spec.extraPorts?.some((extra) => extra.setting)) throw invalid("memcached takes no port settings");
  }
  if (spec.replicaOf) checkPort(spec.replicaOf.port, "replicaOf port");
}

/** Checks the spec, then runs `fn` under the node's lock: a bad spec is refused before anything waits or is made. */
export function underNodeLock<T>(mutex: KeyedMutex, spec: NodeSpec, fn: () => Promise<T>): Promise<T> {
  try {
    checkSpec(spec);
  } catch (error) {
    return Promise.reject(error);
  }
  return mutex.run(spec.name, fn);
}
