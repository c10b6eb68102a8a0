/** GET /v1/tls/ca.pem in OpenAPI: the installation's CA certificate (src/http/ca-certificate.ts). */
import { PEM_CONTENT_TYPE } from "../../src/http/ca-certificate.ts";

export function caCertificatePath(): Record<string, object> {
  return {
    get: {
      tags: ["TLS"],
      operationId: "GetCaCertificate",
      summary: "The installation's CA certificate (PEM)",
      description:
        "The certificate of the certificate authority the control plane made on its first start (kept in `<data dir>/tls/ca.crt`, " +
        "whose path is logged at start-up). TLS nodes and endpoints present certificates it issued: verify them with it, e.g. " +
        "`curl -o ca.pem http://127.0.0.1:4599/v1/tls/ca.pem && redis-cli --tls --cacert ca.pem -h … -p …`, or ioredis " +
        "`tls: { ca }`. Open without a signature, like /health and this document.",
      responses: {
        200: {
          description: "The CA certificate, PEM-encoded.",
          content: { [PEM_CONTENT_TYPE]: { schema: { type: "string" }, example: "-----BEGIN CERTIFICATE-----\nMIIB…\n-----END CERTIFICATE-----\n" } },
        },
      },
    },
  };
}
