/**
 * The SDK as its users get it: built and packed as published (`npm run build:sdk`, `npm pack
 * dist/sdk`), installed from the tarball into a scratch project outside this repository, then used
 * against a real server from plain Node (ESM and CommonJS) and from TypeScript compiled with
 * `tsc --init`'s default settings: a subnet group, a typed error caught with instanceof, a
 * paginator over several pages, and the replication group waiters, every call SigV4-signed for a
 * server that requires it.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type RunningServer } from "../helpers/server.ts";

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, "../..");
const tsc = path.join(root, "node_modules/typescript/bin/tsc");

let server: RunningServer;
let scratch: string;
let packed: { filename: string; size: number; unpackedSize: number; files: { path: string }[] };

/** The user's program, valid as JavaScript and as strict TypeScript; `names` are the SDK's exports it uses. */
const names = [
  "ElastiCacheClient",
  "CreateCacheSubnetGroupCommand",
  "DeleteCacheSubnetGroupCommand",
  "CreateReplicationGroupCommand",
  "DeleteReplicationGroupCommand",
  "DescribeReplicationGroupsCommand",
  "CacheSubnetGroupAlreadyExistsFault",
  "paginateDescribeCacheSubnetGroups",
  "waitUntilReplicationGroupAvailable",
  "waitUntilReplicationGroupDeleted",
];
const ACCESS_KEY = "AKIDPACKAGE";
const SECRET = "package-secret";
const scenario = (endpoint: string, prefix: string) => `
  const client = new ElastiCacheClient({
    endpoint: ${JSON.stringify(endpoint)},
    credentials: { accessKeyId: ${JSON.stringify(ACCESS_KEY)}, secretAccessKey: ${JSON.stringify(SECRET)} },
  });
  const prefix = ${JSON.stringify(prefix)};
  const subnets = { CacheSubnetGroupDescription: "apps", SubnetIds: ["subnet-12345678", "subnet-87654321"] };
  const created = await client.send(new CreateCacheSubnetGroupCommand({ CacheSubnetGroupName: prefix + "-apps", ...subnets }));
  let duplicate = "not refused";
  try {
    await client.send(new CreateCacheSubnetGroupCommand({ CacheSubnetGroupName: prefix + "-apps", ...subnets }));
  } catch (error) {
    if (!(error instanceof CacheSubnetGroupAlreadyExistsFault)) throw error;
    duplicate = error.name + " " + error.$fault + " " + error.$metadata.httpStatusCode;
  }
  for (let i = 0; i < 20; i++) {
    await client.send(new CreateCacheSubnetGroupCommand({ CacheSubnetGroupName: prefix + "-page-" + i, ...subnets }));
  }
  let pages = 0;
  let mine = 0;
  for await (const page of paginateDescribeCacheSubnetGroups({ client, pageSize: 20 }, {})) {
    pages += 1;
    mine += (page.CacheSubnetGroups ?? []).filter((group) => group.CacheSubnetGroupName?.startsWith(prefix)).length;
  }
  const ReplicationGroupId = prefix + "-rg";
  await client.send(new CreateReplicationGroupCommand({ ReplicationGroupId, ReplicationGroupDescription: "waited", NumCacheClusters: 1, CacheSubnetGroupName: prefix + "-apps" }));
  const available = await waitUntilReplicationGroupAvailable({ client, maxWaitTime: 120 }, { ReplicationGroupId });
  const described = await client.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId }));
  const createTimeIsDate = described.ReplicationGroups?.[0]?.ReplicationGroupCreateTime instanceof Date;
  await client.send(new DeleteReplicationGroupCommand({ ReplicationGroupId }));
  const deleted = await waitUntilReplicationGroupDeleted({ client, maxWaitTime: 120 }, { ReplicationGroupId });
  for (let i = 0; i < 20; i++) await client.send(new DeleteCacheSubnetGroupCommand({ CacheSubnetGroupName: prefix + "-page-" + i }));
  await client.send(new DeleteCacheSubnetGroupCommand({ CacheSubnetGroupName: prefix + "-apps" }));
  console.log(JSON.stringify({
    created: created.CacheSubnetGroup?.CacheSubnetGroupName,
    status: created.$metadata.httpStatusCode,
    duplicate,
    pages,
    mine,
    available: available.state,
    createTimeIsDate,
    deleted: deleted.state,
  }));
`;

/** The four programs: file name -> source. */
function programs(endpoint: string): Record<string, string> {
  const list = names.join(", ");
  const commonJs = (load: string, prefix: string) => `${load}\nasync function main() {${scenario(endpoint, prefix)}}\nmain();\n`;
  return {
    "esm.mjs": `import { ${list} } from "elasticache-local-sdk";\n${scenario(endpoint, "esm")}`,
    "cjs.cjs": commonJs(`const { ${list} } = require("elasticache-local-sdk");`, "cjs"),
    "typed-esm.mts": `import { ${list} } from "elasticache-local-sdk";\n${scenario(endpoint, "typed-esm")}`,
    // verbatimModuleSyntax (a default of tsc --init) wants CommonJS written as such.
    "typed-cjs.cts": commonJs(`import sdk = require("elasticache-local-sdk");\nconst { ${list} } = sdk;`, "typed-cjs"),
  };
}

async function du(dir: string): Promise<string> {
  return (await run("du", ["-sh", dir])).stdout.split("\t")[0];
}

beforeAll(async () => {
  scratch = mkdtempSync(path.join(os.tmpdir(), "ecl-sdk-scratch-"));
  await run("npm", ["run", "build:sdk"], { cwd: root });
  const { stdout } = await run("npm", ["pack", "./dist/sdk", "--json", "--pack-destination", scratch], { cwd: root });
  [packed] = JSON.parse(stdout);
  writeFileSync(
    path.join(scratch, "package.json"),
    JSON.stringify({ name: "scratch", private: true, dependencies: { "elasticache-local-sdk": `file:./${packed.filename}` } }),
  );
  await run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund"], { cwd: scratch });
  await run(process.execPath, [tsc, "--init"], { cwd: scratch });
  server = await startServer({ env: { ECL_RUNTIME: "process", ECL_CREDENTIALS: `${ACCESS_KEY}:${SECRET}` } });
  for (const [file, source] of Object.entries(programs(server.url))) writeFileSync(path.join(scratch, file), source);
  console.log(`elasticache-local-sdk: packed ${packed.size} bytes (${packed.unpackedSize} unpacked); scratch project installed: node_modules ${await du(path.join(scratch, "node_modules"))}`);
}, 300_000);

afterAll(async () => {
  await server?.cleanup();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

const expected = (prefix: string) => ({
  created: `${prefix}-apps`,
  status: 200,
  duplicate: "CacheSubnetGroupAlreadyExistsFault client 400",
  pages: expect.any(Number),
  mine: 21,
  available: "SUCCESS",
  createTimeIsDate: true,
  deleted: "SUCCESS",
});

async function runProgram(file: string) {
  const { stdout } = await run(process.execPath, [file], { cwd: scratch, timeout: 240_000 });
  const result = JSON.parse(stdout.trim().split("\n").at(-1)!);
  // 21 of its own groups plus the others' and the default: at least two pages of 20.
  expect(result.pages).toBeGreaterThanOrEqual(2);
  return result;
}

describe("the packed SDK", () => {
  it("ships only the built package: ESM and CommonJS JavaScript with declarations, README, package.json", () => {
    const files = packed.files.map((file) => file.path);
    expect(files.filter((file) => !/^(esm|cjs)\/.+\.(js|d\.ts|json)$/.test(file)).sort()).toEqual(["README.md", "package.json"]);
    expect(files).toEqual(expect.arrayContaining(["package.json", "README.md", "esm/index.js", "esm/index.d.ts", "cjs/index.js", "cjs/index.d.ts"]));
    const manifest = JSON.parse(readFileSync(path.join(scratch, "node_modules/elasticache-local-sdk/package.json"), "utf8"));
    expect(Object.keys(manifest.dependencies).sort()).toEqual([
      "@aws-crypto/sha256-js",
      "@aws-sdk/client-elasticache",
      "@smithy/core",
      "@smithy/signature-v4",
      "@smithy/types",
    ]);
  });

  it("works from plain Node as ESM (import)", async () => {
    expect(await runProgram("esm.mjs")).toEqual(expected("esm"));
  });

  it("works from plain Node as CommonJS (require)", async () => {
    expect(await runProgram("cjs.cjs")).toEqual(expected("cjs"));
  });

  it("compiles with tsc --init's default settings (strict, nodenext, no node types), as ESM and CommonJS, and the output runs", async () => {
    const compiled = await run(process.execPath, [tsc, "-p", "."], { cwd: scratch }).catch((error) => error);
    expect(`${compiled.stdout ?? ""}${compiled.stderr ?? ""}`).toBe("");
    expect(await runProgram("typed-esm.mjs")).toEqual(expected("typed-esm"));
    expect(await runProgram("typed-cjs.cjs")).toEqual(expected("typed-cjs"));
  });
});
