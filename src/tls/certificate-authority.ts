/**
 * The installation's own certificate authority: made on the control plane's first start in
 * `<data dir>/tls/` (ca.key 0600 in a 0700 directory, ca.crt beside it) and kept across restarts,
 * so a CA certificate a client once downloaded keeps verifying every node and endpoint. It issues
 * leaf certificates naming the hosts a client is given (advertised host, 127.0.0.1, localhost, a
 * node's name inside its Docker network).
 *
 * Why @peculiar/x509 on Node's WebCrypto: certificates are built in-process with EC P-256 keys
 * (key generation and signing are native, a leaf takes a few milliseconds), typed, with no external
 * binary: the openssl CLI is missing from the control plane's slim container image, and node-forge
 * signs in JavaScript and makes RSA certificates only. Its one quirk is a dependency (tsyringe) that
 * needs the Reflect metadata polyfill, loaded here before it.
 */
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { createPrivateKey, randomBytes, webcrypto, X509Certificate } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import net from "node:net";
import path from "node:path";

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

const ALGORITHM = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;
const DAY_MS = 24 * 60 * 60 * 1000;
const CA_VALIDITY_DAYS = 3650;
const LEAF_VALIDITY_DAYS = 365;
/** Certificates start an hour back, so a container whose clock is a little behind accepts them. */
const BACKDATE_MS = 60 * 60 * 1000;
const DNS_NAME = /^(\*\.)?([A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9])?)*\.?$/;

export const CA_CERTIFICATE_FILE = "ca.crt";
export const CA_KEY_FILE = "ca.key";

export interface IssueRequest {
  /** Subject common name, e.g. the node's name. */
  commonName: string;
  /** Every name and address clients use to reach it: IP addresses (v4 or v6) and DNS names. */
  hosts: string[];
  /** Default 365; never past the CA's own expiry. */
  validityDays?: number;
}

export interface IssuedCertificate {
  /** PEM certificate. */
  certificate: string;
  /** PEM private key (PKCS #8, unencrypted: it goes to a node's private files directory). */
  privateKey: string;
  notAfter: Date;
}

export class CertificateAuthorityError extends Error {}

export class CertificateAuthority {
  private constructor(
    /** Directory holding ca.crt and ca.key. */
    readonly dir: string,
    /** The CA certificate, PEM: what clients verify nodes with. */
    readonly certificatePem: string,
    private readonly certificate: x509.X509Certificate,
    private readonly key: CryptoKey,
    /** True when this call made the CA (first start). */
    readonly created: boolean,
  ) {}

  /** Path of the CA certificate file clients can be pointed at (redis-cli --cacert). */
  get certificatePath(): string {
    return path.join(this.dir, CA_CERTIFICATE_FILE);
  }

  get notAfter(): Date {
    return this.certificate.notAfter;
  }

  /**
   * Loads the CA from `dir`, or makes one when there is none. The key is written before the
   * certificate (each through a temporary file and a rename), so a crash in between leaves a key
   * without a certificate, which the next start replaces: no certificate was ever issued with it.
   */
  static async open(dir: string, commonName = "elasticache-local CA"): Promise<CertificateAuthority> {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700);
    const certFile = path.join(dir, CA_CERTIFICATE_FILE);
    const keyFile = path.join(dir, CA_KEY_FILE);
    if (existsSync(certFile)) {
      if (!existsSync(keyFile)) throw new CertificateAuthorityError(`${certFile} exists but its key ${keyFile} is missing; remove ${dir} to make a new CA`);
      return CertificateAuthority.load(dir, certFile, keyFile);
    }
    const keys = (await webcrypto.subtle.generateKey(ALGORITHM, true, ["sign", "verify"])) as CryptoKeyPair;
    const now = Date.now();
    const certificate = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: serialNumber(),
      name: [{ CN: [commonName] }],
      notBefore: new Date(now - BACKDATE_MS),
      notAfter: new Date(now + CA_VALIDITY_DAYS * DAY_MS),
      signingAlgorithm: ALGORITHM,
      keys,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      ],
    });
    const keyPem = await privateKeyPem(keys.privateKey);
    writeAtomically(keyFile, keyPem, 0o600);
    const certificatePem = certificate.toString("pem") + "\n";
    writeAtomically(certFile, certificatePem, 0o644);
    return new CertificateAuthority(dir, certificatePem, certificate, keys.privateKey, true);
  }

  private static async load(dir: string, certFile: string, keyFile: string): Promise<CertificateAuthority> {
    const certificatePem = readFileSync(certFile, "utf8");
    const keyPem = readFileSync(keyFile, "utf8");
    let certificate: x509.X509Certificate;
    let key: CryptoKey;
    try {
      certificate = new x509.X509Certificate(certificatePem);
      if (!new X509Certificate(certificatePem).checkPrivateKey(createPrivateKey(keyPem))) throw new Error("the key does not belong to the certificate");
      key = await webcrypto.subtle.importKey("pkcs8", x509.PemConverter.decodeFirst(keyPem), ALGORITHM, false, ["sign"]);
    } catch (error) {
      throw new CertificateAuthorityError(`the CA in ${dir} cannot be used (${(error as Error).message}); remove ${dir} to make a new CA`);
    }
    if (certificate.notAfter.getTime() <= Date.now()) {
      throw new CertificateAuthorityError(`the CA certificate ${certFile} expired on ${certificate.notAfter.toISOString()}; remove ${dir} to make a new CA`);
    }
    chmodSync(keyFile, 0o600);
    return new CertificateAuthority(dir, certificatePem, certificate, key, false);
  }

  /** A new key and a certificate for it, signed by this CA, valid for TLS servers and clients. */
  async issue(request: IssueRequest): Promise<IssuedCertificate> {
    const names = subjectAltNames(request.hosts);
    const keys = (await webcrypto.subtle.generateKey(ALGORITHM, true, ["sign", "verify"])) as CryptoKeyPair;
    const now = Date.now();
    const notAfter = new Date(Math.min(now + (request.validityDays ?? LEAF_VALIDITY_DAYS) * DAY_MS, this.certificate.notAfter.getTime()));
    const certificate = await x509.X509CertificateGenerator.create({
      serialNumber: serialNumber(),
      subject: [{ CN: [request.commonName] }],
      issuer: this.certificate.subjectName,
      notBefore: new Date(now - BACKDATE_MS),
      notAfter,
      signingAlgorithm: ALGORITHM,
      publicKey: keys.publicKey,
      signingKey: this.key,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
        new x509.SubjectAlternativeNameExtension(names),
        await x509.AuthorityKeyIdentifierExtension.create(this.certificate),
      ],
    });
    return { certificate: certificate.toString("pem") + "\n", privateKey: await privateKeyPem(keys.privateKey), notAfter };
  }
}

/** IP addresses as IP entries, everything else as DNS names; duplicates dropped. */
function subjectAltNames(hosts: string[]): x509.JsonGeneralName[] {
  const unique = [...new Set(hosts.map((host) => host.trim()))];
  if (unique.length === 0) throw new CertificateAuthorityError("a certificate needs at least one host");
  return unique.map((host) => {
    const bare = host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
    if (net.isIP(bare)) return { type: "ip", value: bare };
    if (!DNS_NAME.test(host) || host.length > 253) throw new CertificateAuthorityError(`"${host}" is neither an IP address nor a DNS name`);
    return { type: "dns", value: host.toLowerCase() };
  });
}

/** 16 random bytes with the top bit clear: a positive serial, unique without bookkeeping. */
function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0]! &= 0x7f;
  return bytes.toString("hex");
}

async function privateKeyPem(key: CryptoKey): Promise<string> {
  return x509.PemConverter.encode(await webcrypto.subtle.exportKey("pkcs8", key), "PRIVATE KEY") + "\n";
}

function writeAtomically(file: string, content: string, mode: number): void {
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, content, { mode });
  chmodSync(temporary, mode);
  renameSync(temporary, file);
}
