/**
 * Signed API calls against the real server with credentials configured (ECL_CREDENTIALS and a
 * credentials file): the AWS CLI, boto3, the AWS SDK for JavaScript and the SDK shim with the right
 * secret, a wrong one and an unknown key; unsigned calls (curl) refused in each protocol's shape;
 * expired and tampered requests; presigned URLs; the open routes; and the refusal to serve an open
 * API on a non-loopback address.
 */
import { execFile, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import * as aws from "@aws-sdk/client-elasticache";
import { Hash } from "@smithy/core/serde";
import { SignatureV4 } from "@smithy/signature-v4";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as shim from "../../src/sdk/index.ts";
import { freePort, startServer, type RunningServer } from "../helpers/server.ts";

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, "../..");
const KEY = "AKIDSIGNED";
const SECRET = "right-secret/with+chars=";
const FILE_KEY = "AKIDFROMFILE";
const FILE_SECRET = "file-secret";
const ACCOUNT = "210987654321";
const tmp = mkdtempSync(path.join(os.tmpdir(), "ecl-signed-"));

let server: RunningServer;
beforeAll(async () => {
  const file = path.join(tmp, "credentials");
  writeFileSync(file, `# API keys\n\n${FILE_KEY}:${FILE_SECRET}\n`);
  server = await startServer({
    env: { ECL_RUNTIME: "process", ECL_CREDENTIALS: `${KEY}:${SECRET}`, ECL_CREDENTIALS_FILE: file, ECL_ACCOUNT_ID: ACCOUNT },
  });
}, 60_000);
afterAll(async () => {
  await server?.cleanup();
  rmSync(tmp, { recursive: true, force: true });
});

const cliEnv = (key: string, secret: string) => ({
  ...process.env,
  AWS_ACCESS_KEY_ID: key,
  AWS_SECRET_ACCESS_KEY: secret,
  AWS_DEFAULT_REGION: "eu-west-1",
  AWS_PAGER: "",
  AWS_MAX_ATTEMPTS: "1",
  AWS_CONFIG_FILE: "/dev/null",
  AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
});

/** The AWS CLI's output, or the error code it reports. */
async function cli(key: string, secret: string, ...args: string[]): Promise<{ output?: any; code?: string }> {
  try {
    const { stdout } = await run("aws", [...args, "--endpoint-url", server.url, "--output", "json"], { env: cliEnv(key, secret) });
    return { output: JSON.parse(stdout) };
  } catch (error: any) {
    const code = /An error occurred \(([^)]+)\)/.exec(error.stderr ?? "")?.[1];
    if (!code) throw error;
    return { code };
  }
}

/** Runs a boto3 script with `url` and `key`/`secret`; it prints JSON. */
async function boto3(key: string, secret: string, script: string): Promise<any> {
  const { stdout } = await run("/usr/bin/python3", ["-c", `import boto3, botocore, json, sys\nurl = sys.argv[1]\n${script}`, server.url], {
    env: cliEnv(key, secret),
  });
  return JSON.parse(stdout);
}

const BOTO3_CALL = `
ec = boto3.client("elasticache", endpoint_url=url, config=botocore.config.Config(retries={"max_attempts": 0}))
try:
    r = ec.describe_cache_subnet_groups()
    print(json.dumps({"groups": [g["CacheSubnetGroupName"] for g in r["CacheSubnetGroups"]]}))
except botocore.exceptions.ClientError as e:
    print(json.dumps({"code": e.response["Error"]["Code"], "status": e.response["ResponseMetadata"]["HTTPStatusCode"]}))`;

function sdkClient(accessKeyId: string, secretAccessKey: string, extra: Partial<aws.ElastiCacheClientConfig> = {}) {
  return new aws.ElastiCacheClient({ endpoint: server.url, region: "us-east-1", credentials: { accessKeyId, secretAccessKey }, maxAttempts: 1, ...extra });
}

/** What a refused call must look like: AWS's code as the error's name, AWS's status. */
const refused = (name: string, status: number) => expect.objectContaining({ name, $metadata: expect.objectContaining({ httpStatusCode: status }) });

describe("the AWS CLI", () => {
  it("works with the right secret (from ECL_CREDENTIALS and from the file), and STS names the key that signed", async () => {
    const { output } = await cli(KEY, SECRET, "elasticache", "describe-cache-subnet-groups");
    expect(output.CacheSubnetGroups.map((g: any) => g.CacheSubnetGroupName)).toContain("default");
    expect((await cli(FILE_KEY, FILE_SECRET, "elasticache", "describe-cache-subnet-groups")).output).toBeDefined();
    expect((await cli(FILE_KEY, FILE_SECRET, "sts", "get-caller-identity")).output).toEqual({
      UserId: FILE_KEY,
      Account: ACCOUNT,
      Arn: `arn:aws:iam::${ACCOUNT}:root`,
    });
  });

  it("is refused with a wrong secret or an unknown key, and nothing is created", async () => {
    const create = ["elasticache", "create-cache-subnet-group", "--cache-subnet-group-name", "cli-refused", "--cache-subnet-group-description", "x", "--subnet-ids", "subnet-12345678"];
    expect(await cli(KEY, "wrong-secret", ...create)).toEqual({ code: "SignatureDoesNotMatch" });
    expect(await cli("AKIDUNKNOWN", SECRET, ...create)).toEqual({ code: "InvalidClientTokenId" });
    expect(await cli(KEY, "wrong-secret", "sts", "get-caller-identity")).toEqual({ code: "SignatureDoesNotMatch" });
    const { output } = await cli(KEY, SECRET, "elasticache", "describe-cache-subnet-groups");
    expect(output.CacheSubnetGroups.map((g: any) => g.CacheSubnetGroupName)).not.toContain("cli-refused");
  });
});

describe("boto3", () => {
  it("works with the right secret; a wrong secret and an unknown key get AWS's codes and statuses", async () => {
    expect((await boto3(KEY, SECRET, BOTO3_CALL)).groups).toContain("default");
    expect(await boto3(KEY, "wrong", BOTO3_CALL)).toEqual({ code: "SignatureDoesNotMatch", status: 403 });
    expect(await boto3("AKIDUNKNOWN", SECRET, BOTO3_CALL)).toEqual({ code: "InvalidClientTokenId", status: 403 });
  });

  it("presigned URLs: a GET URL works as it is and fails once a parameter is changed", async () => {
    const { url } = await boto3(KEY, SECRET, `
ec = boto3.client("elasticache", endpoint_url=url)
print(json.dumps({"url": ec.generate_presigned_url("describe_cache_subnet_groups", Params={"CacheSubnetGroupName": "default"}, ExpiresIn=300, HttpMethod="GET")}))`);
    expect(url).toContain("X-Amz-Signature=");
    const ok = await fetch(url);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain("<CacheSubnetGroupName>default</CacheSubnetGroupName>");
    const changed = await fetch(url.replace("CacheSubnetGroupName=default", "CacheSubnetGroupName=other"));
    expect(changed.status).toBe(403);
    expect(await changed.text()).toContain("<Code>SignatureDoesNotMatch</Code>");
  });
});

describe("the AWS SDK for JavaScript", () => {
  it("works with the right secret, writes included; a wrong secret and an unknown key are refused", async () => {
    const client = sdkClient(KEY, SECRET);
    const created = await client.send(
      new aws.CreateCacheSubnetGroupCommand({ CacheSubnetGroupName: "sdk-signed", CacheSubnetGroupDescription: "signed & sent", SubnetIds: ["subnet-12345678"] }),
    );
    expect(created.CacheSubnetGroup?.ARN).toBe(`arn:aws:elasticache:us-east-1:${ACCOUNT}:subnetgroup:sdk-signed`);
    await client.send(new aws.DeleteCacheSubnetGroupCommand({ CacheSubnetGroupName: "sdk-signed" }));
    const describe = new aws.DescribeCacheSubnetGroupsCommand({});
    await expect(sdkClient(KEY, "wrong").send(describe)).rejects.toEqual(refused("SignatureDoesNotMatch", 403));
    await expect(sdkClient("AKIDUNKNOWN", SECRET).send(describe)).rejects.toEqual(refused("InvalidClientTokenId", 403));
  });

  it("a clock 20 minutes behind gets RequestExpired; the SDK then corrects its clock from the reply's Date, as on AWS, and its next call passes", async () => {
    const behind = sdkClient(KEY, SECRET, { systemClockOffset: -20 * 60 * 1000 });
    await expect(behind.send(new aws.DescribeCacheSubnetGroupsCommand({}))).rejects.toEqual(refused("RequestExpired", 400));
    expect((await behind.send(new aws.DescribeCacheSubnetGroupsCommand({}))).$metadata.httpStatusCode).toBe(200);
    const ahead = sdkClient(KEY, SECRET, { systemClockOffset: 20 * 60 * 1000 });
    await expect(ahead.send(new aws.DescribeCacheSubnetGroupsCommand({}))).rejects.toEqual(refused("RequestExpired", 400));
  });
});

describe("the SDK shim", () => {
  const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
  const restore = () => {
    for (const [name, value] of [["AWS_ACCESS_KEY_ID", saved.id], ["AWS_SECRET_ACCESS_KEY", saved.secret]] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
  afterAll(restore);

  it("signs with the credentials given: reads, writes with a path parameter (an ARN), GET queries with spaces", async () => {
    delete process.env.AWS_ACCESS_KEY_ID;
    const client = new shim.ElastiCacheClient({ endpoint: server.url, credentials: { accessKeyId: KEY, secretAccessKey: SECRET } });
    const created = await client.send(
      new shim.CreateCacheSubnetGroupCommand({ CacheSubnetGroupName: "shim-signed", CacheSubnetGroupDescription: "d", SubnetIds: ["subnet-12345678"] }),
    );
    const arn = created.CacheSubnetGroup!.ARN!;
    await client.send(new shim.AddTagsToResourceCommand({ ResourceName: arn, Tags: [{ Key: "team", Value: "a b" }] }));
    expect((await client.send(new shim.ListTagsForResourceCommand({ ResourceName: arn }))).TagList).toEqual([{ Key: "team", Value: "a b" }]);
    const events = await client.send(new shim.DescribeEventsCommand({ SourceIdentifier: "shim signed", SourceType: "cache-subnet-group" }));
    expect(events.Events).toEqual([]);
    await client.send(new shim.DeleteCacheSubnetGroupCommand({ CacheSubnetGroupName: "shim-signed" }));
  });

  it("takes credentials from the environment by default, and a provider function", async () => {
    process.env.AWS_ACCESS_KEY_ID = FILE_KEY;
    process.env.AWS_SECRET_ACCESS_KEY = FILE_SECRET;
    const fromEnv = new shim.ElastiCacheClient({ endpoint: server.url });
    expect((await fromEnv.send(new shim.DescribeCacheSubnetGroupsCommand({}))).$metadata.httpStatusCode).toBe(200);
    restore();
    const provided = new shim.ElastiCacheClient({ endpoint: server.url, credentials: async () => ({ accessKeyId: KEY, secretAccessKey: SECRET }) });
    expect((await provided.send(new shim.DescribeCacheSubnetGroupsCommand({}))).$metadata.httpStatusCode).toBe(200);
  });

  it("is refused with a wrong secret, an unknown key, or no credentials at all, as the AWS SDK's exceptions", async () => {
    delete process.env.AWS_ACCESS_KEY_ID;
    delete process.env.AWS_SECRET_ACCESS_KEY;
    const describe = new shim.DescribeCacheSubnetGroupsCommand({});
    const cases: Array<[shim.ElastiCacheClientConfig["credentials"], string]> = [
      [{ accessKeyId: KEY, secretAccessKey: "wrong" }, "SignatureDoesNotMatch"],
      [{ accessKeyId: "AKIDUNKNOWN", secretAccessKey: SECRET }, "InvalidClientTokenId"],
      [undefined, "MissingAuthenticationToken"],
    ];
    for (const [credentials, code] of cases) {
      const call = new shim.ElastiCacheClient({ endpoint: server.url, credentials }).send(describe);
      await expect(call).rejects.toBeInstanceOf(aws.ElastiCacheServiceException);
      await expect(call).rejects.toEqual(expect.objectContaining({ name: code, Code: code, $fault: "client", $metadata: expect.objectContaining({ httpStatusCode: 403 }) }));
    }
    restore();
  });
});

describe("unsigned and tampered requests", () => {
  const signer = (secretAccessKey = SECRET) =>
    new SignatureV4({ credentials: { accessKeyId: KEY, secretAccessKey }, region: "us-east-1", service: "elasticache", sha256: Hash.bind(null, "sha256") });
  const host = () => new URL(server.url).host;
  const query = "Action=DescribeCacheSubnetGroups&Version=2015-02-02";

  /** A Query request signed by the AWS SDK's signer, then sent as given (with `change` applied after signing). */
  async function signedQuery(body: string, change: (headers: Record<string, string>) => { headers: Record<string, string>; body: string } = (h) => ({ headers: h, body })) {
    const signed = await signer().sign({
      method: "POST",
      protocol: "http:",
      hostname: host(),
      path: "/",
      headers: { host: host(), "content-type": "application/x-www-form-urlencoded" },
      body,
    });
    const { host: _host, ...headers } = signed.headers as Record<string, string>;
    const sent = change(headers);
    return fetch(`${server.url}/`, { method: "POST", headers: sent.headers, body: sent.body });
  }
  const codeOf = async (response: Response) => ({ status: response.status, code: /<Code>([^<]+)<\/Code>/.exec(await response.text())?.[1] });

  it("curl-style unsigned calls get MissingAuthenticationToken 403: JSON on /v1 (unknown routes too), XML on /", async () => {
    for (const [method, url, body] of [
      ["GET", "/v1/cache-subnet-groups", undefined],
      ["POST", "/v1/cache-subnet-groups", JSON.stringify({ CacheSubnetGroupName: "x" })],
      ["GET", "/v1/no-such-route", undefined],
    ] as const) {
      const response = await fetch(`${server.url}${url}`, { method, body, headers: body ? { "content-type": "application/json" } : {} });
      expect(response.status, url).toBe(403);
      expect((await response.json()).Error).toEqual({ Type: "Sender", Code: "MissingAuthenticationToken", Message: "Request is missing Authentication Token" });
    }
    const query = await fetch(`${server.url}/`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "Action=DescribeEvents&Version=2015-02-02" });
    expect(query.headers.get("content-type")).toMatch(/^text\/xml/);
    expect(await codeOf(query)).toEqual({ status: 403, code: "MissingAuthenticationToken" });
  });

  it("a REST call signed for another service (sts) is refused", async () => {
    const sts = new SignatureV4({ credentials: { accessKeyId: KEY, secretAccessKey: SECRET }, region: "us-east-1", service: "sts", sha256: Hash.bind(null, "sha256") });
    const signed = await sts.sign({ method: "GET", protocol: "http:", hostname: host(), path: "/v1/cache-subnet-groups", headers: { host: host() } });
    const { host: _host, ...headers } = signed.headers as Record<string, string>;
    const response = await fetch(`${server.url}/v1/cache-subnet-groups`, { headers });
    expect(response.status).toBe(403);
    expect((await response.json()).Error.Code).toBe("SignatureDoesNotMatch");
  });

  it("health, the API documents and the CA certificate stay open", async () => {
    for (const url of ["/health", "/openapi.json", "/docs/", "/v1/tls/ca.pem"]) expect((await fetch(`${server.url}${url}`)).status, url).toBe(200);
  });

  it("a body changed after signing, a wrong x-amz-content-sha256, an unsigned x-amz-date: refused", async () => {
    expect((await signedQuery(query)).status).toBe(200);
    expect(await codeOf(await signedQuery(query, (headers) => ({ headers, body: `${query}&CacheSubnetGroupName=default` })))).toEqual({ status: 403, code: "SignatureDoesNotMatch" });
    const claimed = await signedQuery(query, (headers) => ({ headers: { ...headers, "x-amz-content-sha256": "0".repeat(64) }, body: query }));
    expect(await codeOf(claimed)).toEqual({ status: 403, code: "SignatureDoesNotMatch" });
    const dateless = await signedQuery(query, (headers) => ({
      headers: { ...headers, authorization: headers.authorization!.replace(";x-amz-date", "") },
      body: query,
    }));
    expect(await codeOf(dateless)).toEqual({ status: 400, code: "IncompleteSignature" });
    const partial = await signedQuery(query, (headers) => ({ headers: { ...headers, authorization: headers.authorization!.replace(/, Signature=.*/, "") }, body: query }));
    expect(await codeOf(partial)).toEqual({ status: 400, code: "IncompleteSignature" });
  });

  it("presigned URLs: expired ones get RequestExpired 400; REST routes accept them too", async () => {
    const presign = async (path: string, query: Record<string, string>, signingDate: Date, expiresIn: number) => {
      const request = await signer().presign({ method: "GET", protocol: "http:", hostname: host(), path, query, headers: { host: host() } }, { signingDate, expiresIn });
      const search = Object.entries(request.query!).map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`).join("&");
      return fetch(`${server.url}${path}?${search}`);
    };
    const params = { Action: "DescribeCacheSubnetGroups", Version: "2015-02-02" };
    expect((await presign("/", params, new Date(), 60)).status).toBe(200);
    expect(await codeOf(await presign("/", params, new Date(Date.now() - 10 * 60 * 1000), 60))).toEqual({ status: 400, code: "RequestExpired" });
    const rest = await presign("/v1/cache-subnet-groups/default", {}, new Date(), 60);
    expect(rest.status).toBe(200);
    expect((await rest.json()).CacheSubnetGroup.CacheSubnetGroupName).toBe("default");
  });
});

describe("the secrets", () => {
  it("are not in the environment of the nodes the control plane starts", async () => {
    const client = sdkClient(KEY, SECRET);
    await client.send(new aws.CreateCacheClusterCommand({ CacheClusterId: "env-check", Engine: "memcached", NumCacheNodes: 1, CacheNodeType: "cache.t3.micro" }));
    const pidFile = path.join(server.dataDir, "nodes");
    const deadline = Date.now() + 60_000;
    let environ = "";
    while (!environ && Date.now() < deadline) {
      for (const name of existsSync(pidFile) ? readdirSync(pidFile) : []) {
        try {
          environ = readFileSync(`/proc/${readFileSync(path.join(pidFile, name, "pid"), "utf8").trim()}/environ`, "utf8");
        } catch {
          // not started yet
        }
      }
      if (!environ) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(environ).toContain("PATH=");
    expect(environ).not.toContain("ECL_CREDENTIALS=");
    expect(environ).not.toContain(SECRET);
    // A node may run before its cluster is recorded available; a delete is accepted only then.
    await aws.waitUntilCacheClusterAvailable({ client, maxWaitTime: 60, minDelay: 1 }, { CacheClusterId: "env-check" });
    await client.send(new aws.DeleteCacheClusterCommand({ CacheClusterId: "env-check" }));
  });
});

describe("without credentials", () => {
  it("refuses to serve an open API on a non-loopback address, in one line (exit code 2)", async () => {
    const port = await freePort();
    const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
      cwd: root,
      env: { ...process.env, ECL_HOST: "0.0.0.0", ECL_PORT: String(port), ECL_DATA_DIR: path.join(tmp, "open"), ECL_CREDENTIALS: "", ECL_CREDENTIALS_FILE: "" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr!.on("data", (chunk) => (stderr += chunk));
    const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
    expect(code).toBe(2);
    expect(stderr).toBe(
      "elasticache-local: ECL_HOST=0.0.0.0 is not a loopback address and no API credentials are configured: set ECL_CREDENTIALS or ECL_CREDENTIALS_FILE, or ECL_ALLOW_UNAUTHENTICATED=true to serve an open API there\n",
    );
  });
});
