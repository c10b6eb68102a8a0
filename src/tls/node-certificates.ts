/**
 * Certificates for TLS nodes, as the controllers ask for them: one per node, naming every host a
 * client or the control plane is given for it (the advertised host, the address nodes are
 * published on, 127.0.0.1, localhost) and the node's own name, which is its alias inside its
 * Docker network (where the control plane in a container and the other nodes reach it).
 */
import type { CertificateAuthority } from "./certificate-authority.ts";
import { redisTls, type RedisTls } from "./redis-tls.ts";

const UNSPECIFIED = new Set(["0.0.0.0", "::", ""]);

export interface NodeCertificateIssuer {
  caPem: string;
  forNode(nodeName: string): Promise<RedisTls>;
}

export function nodeCertificates(ca: CertificateAuthority, hosts: string[]): NodeCertificateIssuer {
  const common = [...hosts, "127.0.0.1", "localhost"].filter((host) => !UNSPECIFIED.has(host));
  return {
    caPem: ca.certificatePem,
    async forNode(nodeName) {
      const issued = await ca.issue({ commonName: nodeName, hosts: [...new Set([...common, nodeName])] });
      return redisTls(ca.certificatePem, issued);
    },
  };
}
