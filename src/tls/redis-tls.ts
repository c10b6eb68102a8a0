/**
 * What a Redis or Valkey node needs to serve TLS with a certificate of the installation's CA: the
 * files for its private files directory (NodeSpec.files) and the settings that point at them
 * (NodeSpec.settings; `${files}` is the runtime's placeholder for that directory). Clients are not
 * asked for certificates (ElastiCache does not do mutual TLS); replication runs over TLS too.
 * The listener itself is the runtime's business: `tlsOnly` for a TLS-only client port, or an extra
 * port with the setting `tls-port` beside a plain one.
 */
import type { IssuedCertificate } from "./certificate-authority.ts";

export const TLS_FILES = { ca: "ca.crt", certificate: "node.crt", key: "node.key" } as const;

export interface RedisTls {
  files: Record<string, string>;
  settings: Record<string, string>;
}

export function redisTls(caCertificatePem: string, issued: IssuedCertificate): RedisTls {
  return {
    files: {
      [TLS_FILES.ca]: caCertificatePem,
      [TLS_FILES.certificate]: issued.certificate,
      [TLS_FILES.key]: issued.privateKey,
    },
    settings: {
      "tls-cert-file": `\${files}/${TLS_FILES.certificate}`,
      "tls-key-file": `\${files}/${TLS_FILES.key}`,
      "tls-ca-cert-file": `\${files}/${TLS_FILES.ca}`,
      "tls-auth-clients": "no",
      "tls-replication": "yes",
    },
  };
}
