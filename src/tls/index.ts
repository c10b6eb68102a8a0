/** The installation's certificate authority and what nodes need to serve TLS with its certificates. */
export {
  CA_CERTIFICATE_FILE,
  CA_KEY_FILE,
  CertificateAuthority,
  CertificateAuthorityError,
  type IssueRequest,
  type IssuedCertificate,
} from "./certificate-authority.ts";
export { redisTls, TLS_FILES, type RedisTls } from "./redis-tls.ts";
export { nodeCertificates, type NodeCertificateIssuer } from "./node-certificates.ts";
