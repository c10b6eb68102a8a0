/**
 * Certificates for TLS nodes, made with the openssl CLI: a CA, a node certificate it signs (for
 * 127.0.0.1, localhost and the given names), and a client certificate for nodes that ask for one.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

export interface Certificates {
  ca: string;
  nodeCert: string;
  nodeKey: string;
  clientCert: string;
  clientKey: string;
  /** Files for a node spec, referred to as ${files}/ca.crt, ${files}/node.crt, ${files}/node.key. */
  files: Record<string, string>;
  /** Redis settings that make a node serve TLS with those files. */
  redisSettings(authClients: "yes" | "no" | "optional"): Record<string, string>;
}

export function makeCertificates(dnsNames: string[] = []): Certificates {
  const dir = mkdtempSync(path.join(os.tmpdir(), "ecl-tls-"));
  const openssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
  try {
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "2", "-subj", "/CN=elasticache-local test CA");
    const san = ["IP:127.0.0.1", "DNS:localhost", ...dnsNames.map((name) => `DNS:${name}`)].join(",");
    writeFileSync(path.join(dir, "ext.cnf"), `subjectAltName=${san}\nextendedKeyUsage=serverAuth,clientAuth\n`);
    for (const who of ["node", "client"]) {
      openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", `${who}.key`, "-out", `${who}.csr`, "-subj", `/CN=${who}`);
      openssl("x509", "-req", "-in", `${who}.csr`, "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out", `${who}.crt`, "-days", "2", "-extfile", "ext.cnf");
    }
    const read = (file: string) => readFileSync(path.join(dir, file), "utf8");
    const certs = {
      ca: read("ca.crt"),
      nodeCert: read("node.crt"),
      nodeKey: read("node.key"),
      clientCert: read("client.crt"),
      clientKey: read("client.key"),
    };
    return {
      ...certs,
      files: { "ca.crt": certs.ca, "node.crt": certs.nodeCert, "node.key": certs.nodeKey },
      redisSettings: (authClients) => ({
        "tls-cert-file": "${files}/node.crt",
        "tls-key-file": "${files}/node.key",
        "tls-ca-cert-file": "${files}/ca.crt",
        "tls-auth-clients": authClients,
        "tls-replication": "yes",
      }),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
