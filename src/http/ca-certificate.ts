/**
 * GET /v1/tls/ca.pem: the installation's CA certificate, which clients verify TLS nodes and
 * endpoints with (`curl -o ca.pem …/v1/tls/ca.pem; redis-cli --tls --cacert ca.pem …`). Open
 * without a signature: a CA certificate is public, and tools fetch it before they have anything else.
 * Documented in OpenAPI by scripts/openapi/ca-certificate.ts.
 */
import type { FastifyInstance } from "fastify";

export const CA_CERTIFICATE_ROUTE = "/v1/tls/ca.pem";
export const PEM_CONTENT_TYPE = "application/x-pem-file";

export async function caCertificateRoute(app: FastifyInstance, options: { certificatePem: string }): Promise<void> {
  app.get(CA_CERTIFICATE_ROUTE, { schema: { hide: true } }, async (_request, reply) => reply.type(PEM_CONTENT_TYPE).send(options.certificatePem));
}
