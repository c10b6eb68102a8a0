/**
 * The installation's CA: made once with a private key only its owner reads, the same after a
 * reopen, refusing a damaged pair; leaf certificates that name their hosts and verify against it.
 * Then real redis-server nodes started by the process runtime with a leaf certificate, verified by
 * redis-cli --tls --cacert and ioredis with `tls: { ca }`, replicating over TLS, and refused by a
 * client that trusts another CA.
 */
import { execFile } from "node:child_process";
import { randomUUID, X509Certificate } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ProcessRuntime } from "../../src/runtime/process/index.ts";
import type { NodeSpec } from "../../src/runtime/types.ts";
import { CA_CERTIFICATE_FILE, CA_KEY_FILE, CertificateAuthority, redisTls } from "../../src/tls/index.ts";
import { freePorts } from "../runtime/helpers.ts";
import { eventually } from "../helpers/eventually.ts";

const run = promisify(execFile);
const tmp = mkdtempSync(path.join(os.tmpdir(), "ecl-ca-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const mode = (file: string) => statSync(file).mode & 0o777;

describe("CertificateAuthority", () => {
  it("is made on first open with a 0600 key in a 0700 directory, and reopened unchanged", async () => {
    const dir = path.join(tmp, "first", "tls");
    const ca = await CertificateAuthority.open(dir);
    expect(ca.created).toBe(true);
    expect(ca.certificatePath).toBe(path.join(dir, CA_CERTIFICATE_FILE));
    expect(mode(dir)).toBe(0o700);
    expect(mode(path.join(dir, CA_KEY_FILE))).toBe(0o600);
    expect(readFileSync(ca.certificatePath, "utf8")).toBe(ca.certificatePem);
    const cert = new X509Certificate(ca.certificatePem);
    expect(cert.ca).toBe(true);
    expect(cert.subject).toBe("CN=elasticache-local CA");
    expect(cert.verify(cert.publicKey)).toBe(true);
    expect(ca.notAfter.getTime()).toBeGreaterThan(Date.now() + 9 * 365 * 24 * 3600 * 1000);

    const again = await CertificateAuthority.open(dir);
    expect(again.created).toBe(false);
    expect(again.certificatePem).toBe(ca.certificatePem);
    // A leaf of the reopened CA verifies against the certificate clients downloaded before.
    const leaf = new X509Certificate((await again.issue({ commonName: "n", hosts: ["localhost"] })).certificate);
    expect(leaf.verify(cert.publicKey)).toBe(true);
  });

  it("issues leaves naming every host given, as IP or DNS entries, for servers and clients", async () => {
    const ca = await CertificateAuthority.open(path.join(tmp, "leaves"));
    const issued = await ca.issue({ commonName: "demo-001", hosts: ["127.0.0.1", "localhost", "demo-001", "::1", "Cache.Example.COM", "127.0.0.1"] });
    const cert = new X509Certificate(issued.certificate);
    expect(cert.subject).toBe("CN=demo-001");
    expect(cert.ca).toBe(false);
    expect(cert.subjectAltName).toBe("IP Address:127.0.0.1, DNS:localhost, DNS:demo-001, IP Address:0:0:0:0:0:0:0:1, DNS:cache.example.com");
    expect(cert.checkIP("127.0.0.1")).toBe("127.0.0.1");
    expect(cert.checkHost("demo-001")).toBe("demo-001");
    expect(cert.checkHost("other")).toBeUndefined();
    expect(cert.keyUsage).toEqual(["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"]);
    expect(cert.checkIssued(new X509Certificate(ca.certificatePem))).toBe(true);
    expect(cert.verify(new X509Certificate(ca.certificatePem).publicKey)).toBe(true);
    expect(new Date(cert.validTo).getTime()).toBe(Math.floor(issued.notAfter.getTime() / 1000) * 1000);
    expect(issued.privateKey).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    // Each leaf has its own key and serial.
    const other = new X509Certificate((await ca.issue({ commonName: "demo-001", hosts: ["localhost"] })).certificate);
    expect(other.serialNumber).not.toBe(cert.serialNumber);
    expect(other.publicKey.export({ format: "pem", type: "spki" })).not.toBe(cert.publicKey.export({ format: "pem", type: "spki" }));
  });

  it("refuses hosts that are neither addresses nor DNS names, and an empty list", async () => {
    const ca = await CertificateAuthority.open(path.join(tmp, "bad-hosts"));
    for (const hosts of [[], ["bad host"], ["a..b"], ["-x"]]) {
      await expect(ca.issue({ commonName: "n", hosts }), JSON.stringify(hosts)).rejects.toThrow(/neither an IP address nor a DNS name|at least one host/);
    }
  });

  it("refuses a certificate without its key, or a key of another CA, naming the directory to remove", async () => {
    const one = await CertificateAuthority.open(path.join(tmp, "one"));
    const two = await CertificateAuthority.open(path.join(tmp, "two"));
    writeFileSync(path.join(two.dir, CA_KEY_FILE), readFileSync(path.join(one.dir, CA_KEY_FILE)));
    await expect(CertificateAuthority.open(two.dir)).rejects.toThrow(`the CA in ${two.dir} cannot be used (the key does not belong to the certificate); remove ${two.dir}`);
    unlinkSync(path.join(two.dir, CA_KEY_FILE));
    await expect(CertificateAuthority.open(two.dir)).rejects.toThrow(/ca\.key is missing/);
  });

  it("replaces a key left without a certificate (a first start cut short)", async () => {
    const dir = path.join(tmp, "cut-short");
    const first = await CertificateAuthority.open(dir);
    unlinkSync(first.certificatePath);
    const second = await CertificateAuthority.open(dir);
    expect(second.created).toBe(true);
    expect(second.certificatePem).not.toBe(first.certificatePem);
    expect(new X509Certificate(second.certificatePem).checkPrivateKey(
      (await import("node:crypto")).createPrivateKey(readFileSync(path.join(dir, CA_KEY_FILE))),
    )).toBe(true);
  });
});

describe("redis-server with a leaf certificate, started by the process runtime", () => {
  const dataDir = path.join(tmp, "runtime");
  const runtime = new ProcessRuntime({ dataDir, installationId: randomUUID(), redisServerPath: "redis-server", memcachedPath: "memcached" });
  let ca: CertificateAuthority;
  let caFile: string;
  const clients: Redis[] = [];

  const spec = async (name: string, hostPort: number, extra: Partial<NodeSpec>): Promise<NodeSpec> => {
    const tls = redisTls(ca.certificatePem, await ca.issue({ commonName: name, hosts: ["127.0.0.1", "localhost", name] }));
    return { name, engine: "redis", engineVersion: "7.0", hostPort, network: "ca-test", maxMemoryMb: 32, files: tls.files, settings: tls.settings, ...extra };
  };
  const tlsClient = (port: number, trusted: string) => {
    const client = new Redis({ host: "127.0.0.1", port, tls: { ca: trusted }, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    clients.push(client);
    return client;
  };
  const redisCli = (port: number, cacert: string, ...command: string[]) =>
    run("redis-cli", ["--tls", "--cacert", cacert, "-h", "127.0.0.1", "-p", String(port), ...command], { encoding: "utf8" });

  beforeAll(async () => {
    ca = await CertificateAuthority.open(path.join(tmp, "runtime-ca"));
    caFile = ca.certificatePath;
  });
  afterAll(async () => {
    for (const client of clients) client.disconnect();
    for (const node of await runtime.list()) await runtime.remove(node.name);
    await runtime.close();
  });

  it("a TLS-only primary and a replica with a TLS port beside its plain one: redis-cli and ioredis verify both, replication runs over TLS", async () => {
    const [primaryPort, replicaPort, replicaTlsPort] = await freePorts(3);
    const primary = await runtime.start(await spec("ca-primary", primaryPort, { tlsOnly: true }));
    const replica = await runtime.start(
      await spec("ca-replica", replicaPort, { extraPorts: [{ name: "tls", hostPort: replicaTlsPort, setting: "tls-port" }], replicaOf: primary.peerAddress }),
    );

    expect((await redisCli(primary.clientAddress.port, caFile, "SET", "k", "over-tls")).stdout.trim()).toBe("OK");
    await eventually(async () => (await redisCli(replica.ports.tls!.client.port, caFile, "GET", "k")).stdout.trim() === "over-tls", 20_000, "the replica over TLS");
    const info = (await redisCli(replica.ports.tls!.client.port, caFile, "INFO", "replication")).stdout;
    expect(info).toMatch(/master_link_status:up/);

    const client = tlsClient(primary.clientAddress.port, ca.certificatePem);
    await client.connect();
    expect(await client.get("k")).toBe("over-tls");
    expect((client.stream as import("node:tls").TLSSocket).authorized).toBe(true);
    const replicaClient = tlsClient(replica.ports.tls!.client.port, readFileSync(caFile, "utf8"));
    await replicaClient.connect();
    expect(await replicaClient.get("k")).toBe("over-tls");
    // The replica's plain port is still plain.
    const plain = new Redis({ host: "127.0.0.1", port: replica.clientAddress.port, lazyConnect: true });
    clients.push(plain);
    await plain.connect();
    expect(await plain.get("k")).toBe("over-tls");
  });

  it("a client trusting another CA is refused", async () => {
    const [port] = await freePorts(1);
    const node = await runtime.start(await spec("ca-other", port, { tlsOnly: true }));
    const stranger = await CertificateAuthority.open(path.join(tmp, "stranger"));
    await expect(redisCli(node.clientAddress.port, stranger.certificatePath, "PING")).rejects.toThrow(/certificate verify failed|SSL/i);
    const client = tlsClient(node.clientAddress.port, stranger.certificatePem);
    const errors: Error[] = [];
    client.on("error", (error) => errors.push(error));
    await expect(client.connect()).rejects.toThrow();
    expect(errors.map((error) => (error as NodeJS.ErrnoException).code)).toContain("SELF_SIGNED_CERT_IN_CHAIN");
    expect((await redisCli(node.clientAddress.port, caFile, "PING")).stdout.trim()).toBe("PONG");
  });
});
