/**
 * Signed API calls: with credentials configured, every request to the API (Query protocol on `/`
 * and REST under /v1) must carry a valid SigV4 signature of one of them (sigv4-verify.ts). The
 * check runs in `preParsing`, before the body is parsed or validated, so an unauthenticated caller
 * learns nothing about its input; the body is read here (within the route's body limit) because
 * the signature covers it, then handed on to the parser unchanged. Refusals go through the
 * route's own error handler: XML on `/`, JSON elsewhere.
 *
 * Open without a signature: health, the API documents (/docs, /openapi.json), the CA
 * certificate (public by nature; clients fetch it with curl to verify nodes), and /metrics
 * (Prometheus scrapes without AWS signatures).
 */
import { Readable } from "node:stream";
import { errorCodes, type FastifyInstance, type FastifyRequest } from "fastify";
import { AwsError } from "../aws/errors.ts";
import { SignatureVerifier } from "../aws/sigv4-verify.ts";
import { CA_CERTIFICATE_ROUTE } from "./ca-certificate.ts";

const ELASTICACHE = "elasticache";
const OPEN_ROUTES = new Set(["/health", "/openapi.json", "/metrics", CA_CERTIFICATE_ROUTE]);

function isOpen(request: FastifyRequest): boolean {
  const route = request.routeOptions.url;
  if (route === undefined) return false;
  return OPEN_ROUTES.has(route) || route === "/docs" || route.startsWith("/docs/");
}

export interface SignatureAuthOptions {
  /** Secret access key by access key id. */
  credentials: ReadonlyMap<string, string>;
  /** The clock signatures are checked against (tests). */
  now?: () => Date;
}

/** Adds the check to `app` and every route registered after it. */
export function requireSignatures(app: FastifyInstance, options: SignatureAuthOptions): void {
  const verifier = new SignatureVerifier(options.credentials, options.now);
  app.decorateRequest("caller", undefined);
  app.addHook("preParsing", async (request, _reply, payload) => {
    if (isOpen(request)) return payload;
    const body = await readBody(payload, request.routeOptions.bodyLimit ?? Number.POSITIVE_INFINITY);
    const q = request.url.indexOf("?");
    const path = q === -1 ? request.url : request.url.slice(0, q);
    request.caller = await verifier.verify({ method: request.method, path, query: q === -1 ? "" : request.url.slice(q + 1), headers: request.headers, body });
    // Only the Query endpoint answers another service's scope (STS GetCallerIdentity; it refuses other STS actions).
    if (request.caller.service !== ELASTICACHE && path !== "/") {
      throw new AwsError("SignatureDoesNotMatch", `Credential should be scoped to correct service: '${ELASTICACHE}'.`, 403);
    }
    // The parser checks the length it receives against Content-Length, as it would have.
    return Object.assign(Readable.from(body.length > 0 ? [body] : []), { receivedEncodedLength: body.length });
  });
}

/** The whole body, or the parser's own 413 error once it exceeds `limit`. */
async function readBody(payload: NodeJS.ReadableStream, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of payload) {
    const buffer = typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer);
    length += buffer.length;
    if (length > limit) throw new errorCodes.FST_ERR_CTP_BODY_TOO_LARGE();
    chunks.push(buffer);
  }
  return Buffer.concat(chunks, length);
}
