/**
 * API credentials from the environment and the rule that goes with them: ECL_CREDENTIALS and
 * ECL_CREDENTIALS_FILE merged, bad entries refused without echoing a secret, and an open API only
 * on loopback addresses unless ECL_ALLOW_UNAUTHENTICATED=true.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config/index.ts";
import { isLoopback } from "../../src/config/credentials.ts";

const tmp = mkdtempSync(path.join(os.tmpdir(), "ecl-creds-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const target = path.join(tmp, name);
  writeFileSync(target, text);
  return target;
}

describe("credentials", () => {
  it("are none by default: the API is open on loopback", () => {
    const config = loadConfig({});
    expect(config.credentials.size).toBe(0);
    expect(config.allowUnauthenticated).toBe(false);
  });

  it("merge ECL_CREDENTIALS and a file with comments and blank lines; a secret may hold / + = :", () => {
    const config = loadConfig({
      ECL_CREDENTIALS: "AKIDONE:s3cr/et+x=, AKIDTWO:with:colon",
      ECL_CREDENTIALS_FILE: file("ok", "# keys\n\nAKIDTHREE:three\r\nAKIDONE:s3cr/et+x=\n"),
    });
    expect([...config.credentials]).toEqual([
      ["AKIDONE", "s3cr/et+x="],
      ["AKIDTWO", "with:colon"],
      ["AKIDTHREE", "three"],
    ]);
  });

  it("refuses malformed entries, a key given two secrets and a missing file, never quoting a secret", () => {
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ ECL_CREDENTIALS: "AKIDONLY" }, /^ECL_CREDENTIALS: each credential must be ACCESSKEY:SECRET/],
      [{ ECL_CREDENTIALS: "AKID:KRIT0 KRIT0" }, /^ECL_CREDENTIALS: each credential/],
      [{ ECL_CREDENTIALS: "bad key:KRIT1" }, /^ECL_CREDENTIALS: each credential/],
      [{ ECL_CREDENTIALS: "AKID:KRIT2,AKID:KRIT3" }, /^ECL_CREDENTIALS: access key AKID is given twice with different secrets$/],
      [{ ECL_CREDENTIALS_FILE: file("bad", "AKID:KRIT4\nnot-a-pair\n") }, /^ECL_CREDENTIALS_FILE line 2: each credential/],
      [{ ECL_CREDENTIALS_FILE: path.join(tmp, "missing") }, /^ECL_CREDENTIALS_FILE: cannot read .*missing \(ENOENT\)$/],
    ];
    for (const [env, message] of cases) {
      let error: unknown;
      try {
        loadConfig(env);
      } catch (caught) {
        error = caught;
      }
      expect(error, JSON.stringify(env)).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toMatch(message);
      expect((error as Error).message).not.toMatch(/KRIT/);
    }
  });
});

describe("an open API on a non-loopback address", () => {
  it("is refused, unless credentials are configured or ECL_ALLOW_UNAUTHENTICATED=true", () => {
    expect(() => loadConfig({ ECL_HOST: "0.0.0.0" })).toThrow(
      "ECL_HOST=0.0.0.0 is not a loopback address and no API credentials are configured: set ECL_CREDENTIALS or ECL_CREDENTIALS_FILE, or ECL_ALLOW_UNAUTHENTICATED=true to serve an open API there",
    );
    expect(() => loadConfig({ ECL_HOST: "192.168.1.10", ECL_ALLOW_UNAUTHENTICATED: "false" })).toThrow(ConfigError);
    expect(loadConfig({ ECL_HOST: "0.0.0.0", ECL_CREDENTIALS: "AKID:secret" }).host).toBe("0.0.0.0");
    expect(loadConfig({ ECL_HOST: "::", ECL_ALLOW_UNAUTHENTICATED: "true" }).allowUnauthenticated).toBe(true);
    expect(() => loadConfig({ ECL_ALLOW_UNAUTHENTICATED: "yes" })).toThrow("ECL_ALLOW_UNAUTHENTICATED must be one of true, false");
  });

  it("loopback means 127.0.0.0/8, ::1 in any spelling, IPv4-mapped loopback and localhost", () => {
    for (const host of ["127.0.0.1", "127.1.2.3", "::1", "[::1]", "0:0:0:0:0:0:0:1", "::ffff:127.0.0.1", "localhost", "LOCALHOST"]) {
      expect(isLoopback(host), host).toBe(true);
    }
    for (const host of ["0.0.0.0", "::", "10.0.0.1", "::2", "128.0.0.1", "localhost.example.com", "example.com"]) {
      expect(isLoopback(host), host).toBe(false);
    }
  });
});
