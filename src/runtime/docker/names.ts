/**
 * Names of our Docker objects (containers, networks, volumes). They must be valid Docker names
 * (`[a-zA-Z0-9][a-zA-Z0-9_.-]*`; a volume name is also a directory name, at most 255 bytes) for
 * every valid AWS name they are made from: a subnet group name may start with "-", hold uppercase
 * letters and be 255 characters long. And they must differ between installations sharing one
 * Docker engine and instance name, so each carries a short form of the installation id.
 *
 * A name is `<instance prefix><installation>-<kind>-<encoded>`: the prefix starts with a letter;
 * the encoding keeps lowercase letters, digits and "-", writes an uppercase letter as "_" and its
 * lowercase, and any other character as "." and its UTF-8 bytes in hex, so two different inputs
 * never share a name. A name longer than MAX_NAME keeps its head and ends in a hash of the whole.
 */
import { createHash } from "node:crypto";

export const MAX_NAME = 128;

/** Injective encoding of any string into Docker's name alphabet (lowercase letters, digits, "-", "_", "."). */
export function encodeName(raw: string): string {
  let out = "";
  for (const char of raw) {
    if (/[a-z0-9-]/.test(char)) out += char;
    else if (/[A-Z]/.test(char)) out += `_${char.toLowerCase()}`;
    else out += [...Buffer.from(char, "utf8")].map((byte) => `.${byte.toString(16).padStart(2, "0")}`).join("");
  }
  return out;
}

/**
 * `name` when it fits `max`, else its head and a hash of the whole, joined by `separator` ("-" for
 * names that must be DNS labels, such as Swarm service names).
 */
export function fitName(name: string, max = MAX_NAME, separator = "."): string {
  if (name.length <= max) return name;
  const hash = createHash("sha256").update(name).digest("hex").slice(0, 16);
  return `${name.slice(0, max - hash.length - 1)}${separator}${hash}`;
}

/** First 8 letters and digits of the installation id, lowercase (a UUID's first group). */
export function shortInstallationId(installationId: string): string {
  return installationId.replace(/[^a-zA-Z0-9]/g, "").slice(0, 8).toLowerCase();
}

/** How one runtime names its Docker objects. */
export class DockerNames {
  /** `<instance prefix><installation>-`: the head of every name. */
  readonly base: string;

  constructor(prefix: string, installationId: string) {
    this.base = `${prefix}${shortInstallationId(installationId)}-`;
  }

  container(node: string): string {
    return fitName(`${this.base}${encodeName(node)}`);
  }

  volume(node: string): string {
    return fitName(`${this.base}data-${encodeName(node)}`);
  }

  network(network: string): string {
    return fitName(`${this.base}net-${encodeName(network)}`);
  }
}
