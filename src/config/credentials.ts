/**
 * API credentials from the environment: ECL_CREDENTIALS (`ACCESSKEY:SECRET,ACCESSKEY:SECRET`)
 * and ECL_CREDENTIALS_FILE (one `ACCESSKEY:SECRET` a line; blank lines and `#` comments
 * ignored), merged. Secrets never appear in an error message. And the rule that goes with them:
 * without credentials the API is open, so it listens only on a loopback address unless
 * ECL_ALLOW_UNAUTHENTICATED=true says otherwise.
 */
import { readFileSync } from "node:fs";
import net from "node:net";

type Env = Record<string, string | undefined>;

export class CredentialsError extends Error {}

const ACCESS_KEY_ID = /^[A-Za-z0-9_+=,.@-]{1,128}$/;
const SECRET = /^\S{1,256}$/;

function addPair(secrets: Map<string, string>, pair: string, where: string): void {
  const colon = pair.indexOf(":");
  const accessKeyId = colon === -1 ? pair : pair.slice(0, colon);
  const secret = colon === -1 ? "" : pair.slice(colon + 1);
  if (!ACCESS_KEY_ID.test(accessKeyId) || !SECRET.test(secret)) {
    throw new CredentialsError(`${where}: each credential must be ACCESSKEY:SECRET (access key of letters, digits and _+=,.@-; secret without spaces)`);
  }
  const known = secrets.get(accessKeyId);
  if (known !== undefined && known !== secret) throw new CredentialsError(`${where}: access key ${accessKeyId} is given twice with different secrets`);
  secrets.set(accessKeyId, secret);
}

/** Secret access key by access key id; empty when none are configured. */
export function credentialsFromEnv(env: Env): Map<string, string> {
  const secrets = new Map<string, string>();
  for (const pair of (env.ECL_CREDENTIALS ?? "").split(",")) {
    if (pair.trim() !== "") addPair(secrets, pair.trim(), "ECL_CREDENTIALS");
  }
  const file = env.ECL_CREDENTIALS_FILE;
  if (file) {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (error) {
      throw new CredentialsError(`ECL_CREDENTIALS_FILE: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
    text.split(/\r?\n/).forEach((line, index) => {
      const trimmed = line.trim();
      if (trimmed !== "" && !trimmed.startsWith("#")) addPair(secrets, trimmed, `ECL_CREDENTIALS_FILE line ${index + 1}`);
    });
  }
  return secrets;
}

/** 127.0.0.0/8, ::1 (also IPv4-mapped) and localhost. */
export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, "$1").toLowerCase();
  if (bare === "localhost") return true;
  const v4 = bare.startsWith("::ffff:") ? bare.slice(7) : bare;
  if (net.isIPv4(v4)) return v4.startsWith("127.");
  return net.isIPv6(bare) && new URL(`http://[${bare}]/`).hostname === "[::1]";
}
