/**
 * Transit encryption and AUTH tokens on real Redis nodes, with both runtimes. A group created with
 * the AWS CLI (TransitEncryptionEnabled, AuthToken) serves TLS with a certificate of the
 * installation's CA on every address it hands out: redis-cli --tls --cacert, ioredis and redis-py
 * verify it through the primary, reader and node endpoints; a wrong or missing token and plain
 * connections are refused; a replica added later and a single-node cache cluster are secured the
 * same way. ROTATE (AWS SDK) keeps a connected client connected and both tokens
 * valid until a SET; a failover of the TLS + AUTH group promotes a replica and recovers the old
 * primary as an authenticated TLS replica. A "preferred" group serves TLS and plain clients on its
 * endpoints. Refused inputs answer AWS's codes and statuses.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../helpers/eventually.ts";
import { AWS_CLI, GROUPS } from "../helpers/clients.ts";
import { downloadCa, endpointsOf, failOverAndRecover, runtimesUnderTest, startNodeServer, type Endpoint, type NodeServer } from "../helpers/nodes.ts";

const run = promisify(execFile);
const RUNTIMES = await runtimesUnderTest();
const TOKEN = "first-token-0123456789";
const NEXT = "second-token#9876543210";
const PYTHON = "/usr/bin/python3";

/** redis-cli over TLS verified with the CA; its reply (or error) as text. */
async function redisCli(caFile: string, endpoint: Endpoint, token: string | undefined, ...command: string[]): Promise<string> {
  const auth = token === undefined ? [] : ["--no-auth-warning", "-a", token];
  const { stdout, stderr } = await run("redis-cli", ["--tls", "--cacert", caFile, "-h", endpoint.Address, "-p", String(endpoint.Port), ...auth, ...command], {
    timeout: 10_000,
  }).catch((error: { stdout?: string; stderr?: string }) => ({ stdout: error.stdout ?? "", stderr: error.stderr ?? "" }));
  return `${stdout}${stderr}`.trim();
}

/** redis-py (Debian's python3-redis) over TLS with the CA: GET key. */
async function redisPyGet(caFile: string, endpoint: Endpoint, token: string, key: string): Promise<string> {
  const script = [
    "import redis, sys",
    "r = redis.Redis(host=sys.argv[1], port=int(sys.argv[2]), password=sys.argv[3], ssl=True, ssl_ca_certs=sys.argv[4], socket_timeout=5)",
    "print(r.get(sys.argv[5]).decode())",
  ].join("\n");
  const { stdout } = await run(PYTHON, ["-c", script, endpoint.Address, String(endpoint.Port), token, caFile, key], { timeout: 15_000 });
  return stdout.trim();
}

const clients: Redis[] = [];
function tlsClient(ca: string, endpoint: Endpoint, password?: string): Redis {
  const client = new Redis({
    host: endpoint.Address,
    port: endpoint.Port,
    tls: { ca },
    password,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    lazyConnect: true,
  });
  client.on("error", () => undefined);
  clients.push(client);
  return client;
}

afterAll(() => {
  for (const client of clients) client.disconnect();
});

describe.each(RUNTIMES)("security (%s runtime)", (runtime) => {
  let node: NodeServer;
  let ca: string;
  let caFile: string;
  const id = "secure";

  beforeAll(async () => {
    node = await startNodeServer(runtime, { tag: "sec" });
    ({ ca, caFile } = await downloadCa(node));
  });
  afterAll(() => node?.destroy());

  it("creates a TLS + AUTH group with the AWS CLI and reports it", async () => {
    const env = { ...process.env, AWS_ACCESS_KEY_ID: "test", AWS_SECRET_ACCESS_KEY: "test", AWS_DEFAULT_REGION: "us-east-1" };
    await run(
      AWS_CLI,
      [
        "--endpoint-url", node.server.url, "elasticache", "create-replication-group",
        "--replication-group-id", id, "--replication-group-description", "tls and auth",
        "--num-cache-clusters", "2", "--automatic-failover-enabled",
        "--transit-encryption-enabled", "--auth-token", TOKEN,
        "--at-rest-encryption-enabled", "--kms-key-id", "alias/cache",
      ],
      { env, timeout: 30_000 },
    );
    await node.api.waitGroup(id);
    const { ReplicationGroups } = await node.api.send("DescribeReplicationGroups", { ReplicationGroupId: id });
    expect(ReplicationGroups[0]).toMatchObject({
      TransitEncryptionEnabled: true,
      TransitEncryptionMode: "required",
      AuthTokenEnabled: true,
      AtRestEncryptionEnabled: true,
      KmsKeyId: "alias/cache",
    });
    expect(ReplicationGroups[0].AuthTokenLastModifiedDate).toBeInstanceOf(Date);
    const { CacheClusters } = await node.api.send("DescribeCacheClusters", { CacheClusterId: `${id}-002` });
    expect(CacheClusters[0]).toMatchObject({ TransitEncryptionEnabled: true, TransitEncryptionMode: "required", AuthTokenEnabled: true });
  });

  it("serves TLS with the CA's certificate and the token on the primary, reader and node endpoints; refuses wrong, missing and plain", async () => {
    const group = await node.api.group(id);
    const { primary, reader, members } = endpointsOf(group);
    expect(await redisCli(caFile, primary, TOKEN, "SET", "greeting", "hello")).toBe("OK");
    for (const endpoint of [reader, ...Object.values(members).map((member) => member.endpoint)]) {
      await eventually(async () => (await redisCli(caFile, endpoint, TOKEN, "GET", "greeting")) === "hello", 10_000, "replicated over TLS");
      expect(await redisPyGet(caFile, endpoint, TOKEN, "greeting")).toBe("hello");
      const client = tlsClient(ca, endpoint, TOKEN);
      await client.connect();
      expect(await client.get("greeting")).toBe("hello");
      expect(await redisCli(caFile, endpoint, "wrong-token-0123456789", "PING")).toMatch(/WRONGPASS/);
      expect(await redisCli(caFile, endpoint, undefined, "GET", "greeting")).toMatch(/NOAUTH/);
      // A plain client gets no answer: the port speaks TLS only.
      const plain = new Redis({ host: endpoint.Address, port: endpoint.Port, password: TOKEN, maxRetriesPerRequest: 0, retryStrategy: () => null, lazyConnect: true });
      plain.on("error", () => undefined);
      clients.push(plain);
      await expect(plain.connect().then(() => plain.ping())).rejects.toThrow();
    }
  });

  it("ROTATE keeps a connected client connected and both tokens valid until SET, which leaves only the new one", async () => {
    const { primary, members } = endpointsOf(await node.api.group(id));
    const connected = tlsClient(ca, primary, TOKEN);
    await connected.connect();
    const clientId = await connected.client("ID");

    await node.api.send("ModifyReplicationGroup", { ReplicationGroupId: id, AuthToken: NEXT, AuthTokenUpdateStrategy: "ROTATE", ApplyImmediately: true });
    const rotated = await node.api.waitGroup(id);
    expect(rotated.AuthTokenEnabled).toBe(true);
    for (const endpoint of [primary, ...Object.values(members).map((member) => member.endpoint)]) {
      expect(await redisCli(caFile, endpoint, TOKEN, "PING")).toBe("PONG");
      expect(await redisCli(caFile, endpoint, NEXT, "PING")).toBe("PONG");
    }
    expect(await connected.set("during-rotation", "1")).toBe("OK");
    expect(await connected.client("ID")).toBe(clientId);

    await node.api.send("ModifyReplicationGroup", { ReplicationGroupId: id, AuthToken: NEXT, AuthTokenUpdateStrategy: "SET", ApplyImmediately: true });
    await node.api.waitGroup(id);
    for (const endpoint of [primary, ...Object.values(members).map((member) => member.endpoint)]) {
      expect(await redisCli(caFile, endpoint, TOKEN, "PING")).toMatch(/WRONGPASS/);
      expect(await redisCli(caFile, endpoint, NEXT, "PING")).toBe("PONG");
    }
    // The client logged in with the old token was never disconnected.
    expect(await connected.get("during-rotation")).toBe("1");
    expect(await connected.client("ID")).toBe(clientId);
    // Replicas re-authenticate with the new token (masterauth) and stay in sync.
    const replica = Object.values(members).find((member) => member.role === "replica")!.endpoint;
    expect(await redisCli(caFile, replica, NEXT, "CONFIG", "GET", "masterauth")).toContain(NEXT);
    await eventually(async () => (await redisCli(caFile, replica, NEXT, "GET", "during-rotation")) === "1", 10_000, "replica in sync after SET");
  });

  it("fails over a TLS + AUTH group: a replica is promoted and the old primary comes back as an authenticated TLS replica", async () => {
    const { oldPrimary, ...after } = await failOverAndRecover(node.api, id);
    expect(after.members[oldPrimary].role).toBe("replica");
    expect(await redisCli(caFile, after.primary, NEXT, "GET", "greeting")).toBe("hello");
    const info = await redisCli(caFile, after.members[oldPrimary].endpoint, NEXT, "INFO", "replication");
    expect(info).toMatch(/role:slave/);
    expect(info).toMatch(/master_link_status:up/);
    expect(await redisCli(caFile, after.primary, NEXT, "SET", "after-failover", "yes")).toBe("OK");
    await eventually(async () => (await redisCli(caFile, after.members[oldPrimary].endpoint, NEXT, "GET", "after-failover")) === "yes", 10_000, "recovered replica follows");
  });

  it("secures a replica added later as the others: TLS, the token, replication over TLS", async () => {
    await node.api.send("IncreaseReplicaCount", { ReplicationGroupId: id, NewReplicaCount: 2, ApplyImmediately: true });
    const { members } = endpointsOf(await node.api.waitGroup(id));
    const added = members[`${id}-003`].endpoint;
    expect(await redisCli(caFile, added, undefined, "PING")).toMatch(/NOAUTH/);
    const info = await redisCli(caFile, added, NEXT, "INFO", "replication");
    expect(info).toMatch(/role:slave/);
    expect(info).toMatch(/master_link_status:up/);
    expect(await redisCli(caFile, added, NEXT, "GET", "greeting")).toBe("hello");
  });

  it("creates a single-node Redis cache cluster with TransitEncryptionEnabled and AuthToken (AWS SDK)", async () => {
    await node.api.send("CreateCacheCluster", { CacheClusterId: "single", Engine: "redis", TransitEncryptionEnabled: true, AuthToken: TOKEN });
    const cluster = await node.api.waitCluster("single");
    expect(cluster).toMatchObject({ TransitEncryptionEnabled: true, TransitEncryptionMode: "required", AuthTokenEnabled: true });
    const endpoint = cluster.CacheNodes[0].Endpoint;
    expect(await redisCli(caFile, endpoint, TOKEN, "PING")).toBe("PONG");
    expect(await redisCli(caFile, endpoint, "wrong-token-0123456789", "PING")).toMatch(/WRONGPASS/);
  });

  it('"preferred" serves TLS and plain clients on the group endpoints; replicas follow over TLS', async () => {
    const created = await node.api.ok("POST", `${GROUPS}?wait=true`, {
      ReplicationGroupId: "both",
      ReplicationGroupDescription: "preferred",
      NumCacheClusters: 2,
      TransitEncryptionEnabled: true,
      TransitEncryptionMode: "preferred",
    });
    expect(created.ReplicationGroup).toMatchObject({ Status: "available", TransitEncryptionEnabled: true, TransitEncryptionMode: "preferred", AuthTokenEnabled: false });
    const { primary, reader } = endpointsOf(created.ReplicationGroup);
    expect(await redisCli(caFile, primary, undefined, "SET", "mixed", "tls")).toBe("OK");
    const plain = new Redis({ host: primary.Address, port: primary.Port, maxRetriesPerRequest: 0, retryStrategy: () => null, lazyConnect: true });
    plain.on("error", () => undefined);
    clients.push(plain);
    await plain.connect();
    expect(await plain.get("mixed")).toBe("tls");
    await eventually(async () => (await redisCli(caFile, reader, undefined, "GET", "mixed")) === "tls", 10_000, "reader over TLS");
    const plainReader = new Redis({ host: reader.Address, port: reader.Port, maxRetriesPerRequest: 0, retryStrategy: () => null, lazyConnect: true });
    plainReader.on("error", () => undefined);
    clients.push(plainReader);
    await plainReader.connect();
    expect(await plainReader.get("mixed")).toBe("tls");
    expect(await plainReader.info("replication")).toMatch(/master_link_status:up/);
  });

  it.each([
    [{ AuthToken: TOKEN }, "InvalidParameterCombination"],
    [{ TransitEncryptionEnabled: true, AuthToken: "has a space and more" }, "InvalidParameterValue"],
    [{ TransitEncryptionEnabled: true, AuthToken: "short" }, "InvalidParameterValue"],
    [{ TransitEncryptionMode: "preferred" }, "InvalidParameterCombination"],
    [{ TransitEncryptionEnabled: true, TransitEncryptionMode: "sometimes" }, "InvalidParameterValue"],
    [{ KmsKeyId: "alias/cache" }, "InvalidParameterCombination"],
  ])("refuses %o on create with %s 400 and writes nothing", async (input, code) => {
    const response = await node.api.rest("POST", GROUPS, { ReplicationGroupId: "refused", ReplicationGroupDescription: "x", ...input });
    expect(response.status).toBe(400);
    expect(response.body.Error.Code).toBe(code);
    expect(await node.api.groupExists("refused")).toBe(false);
  });

  it("refuses AuthToken changes AWS refuses, with its codes (SDK)", async () => {
    const codeOf = (input: Record<string, unknown>) =>
      node.api.send("ModifyReplicationGroup", { ReplicationGroupId: id, ApplyImmediately: true, ...input }).then(
        () => "no error",
        (error: { code: string; status?: number }) => `${error.code} ${error.status}`,
      );
    expect(await codeOf({ AuthToken: NEXT, AuthTokenUpdateStrategy: "SET" })).toBe("InvalidParameterCombination 400");
    expect(await codeOf({ AuthTokenUpdateStrategy: "ROTATE" })).toBe("InvalidParameterCombination 400");
    expect(await codeOf({ AuthToken: "bad/token/0123456789", AuthTokenUpdateStrategy: "ROTATE" })).toBe("InvalidParameterValue 400");
    expect(await codeOf({ ReplicationGroupId: "both", AuthToken: TOKEN })).toBe("no error");
    await node.api.waitGroup("both");
    // "both" had no token: ROTATE added one, so a plain client now needs it too.
    const { primary } = endpointsOf(await node.api.group("both"));
    expect(await redisCli(caFile, primary, undefined, "GET", "mixed")).toMatch(/NOAUTH/);
    expect(await redisCli(caFile, primary, TOKEN, "GET", "mixed")).toBe("tls");
  });
});
