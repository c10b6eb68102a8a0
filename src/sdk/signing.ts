/**
 * SigV4 signing of the shim's REST calls, for a server with credentials configured (ECL_CREDENTIALS),
 * with the AWS SDK's own signer (@smithy/signature-v4; SHA-256 from @aws-crypto/sha256-js, which
 * runs wherever the shim does). Credentials are found as the AWS SDK finds them, in short: the
 * `credentials` given (an identity or a provider function), else AWS_ACCESS_KEY_ID /
 * AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN) from the environment; with neither, requests go
 * unsigned, which a server without credentials accepts. The region of the signature's scope is
 * `region`, else AWS_REGION or AWS_DEFAULT_REGION, else us-east-1.
 */
import { Sha256 } from "@aws-crypto/sha256-js";
import { SignatureV4 } from "@smithy/signature-v4";
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from "@smithy/types";

export type Credentials = AwsCredentialIdentity | AwsCredentialIdentityProvider;

/** A request about to be sent: what the signer needs and fetch sends. */
export interface OutgoingRequest {
  url: URL;
  method: string;
  /** The path as it goes on the wire (percent-encoded), without the query. */
  path: string;
  /** Decoded query parameters. */
  query: Record<string, string>;
  headers: Record<string, string>;
  body?: string;
}

const environment = (): Record<string, string | undefined> =>
  (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env ?? {};

function credentialsFromEnvironment(): AwsCredentialIdentity | undefined {
  const env = environment();
  if (!env.AWS_ACCESS_KEY_ID || !env.AWS_SECRET_ACCESS_KEY) return undefined;
  return {
    accessKeyId: env.AWS_ACCESS_KEY_ID,
    secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
    ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
  };
}

/** A signer for these settings, or undefined when there are no credentials to sign with. */
export function requestSigner(config: { credentials?: Credentials; region?: string }): SignatureV4 | undefined {
  const credentials = config.credentials ?? credentialsFromEnvironment();
  if (!credentials) return undefined;
  const env = environment();
  const region = config.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? "us-east-1";
  return new SignatureV4({ credentials, region, service: "elasticache", sha256: Sha256 });
}

/** The headers to send: the request's own plus x-amz-date, x-amz-content-sha256 and Authorization. */
export async function signedHeaders(signer: SignatureV4, request: OutgoingRequest): Promise<Record<string, string>> {
  const signed = await signer.sign({
    method: request.method,
    protocol: request.url.protocol,
    hostname: request.url.hostname,
    ...(request.url.port ? { port: Number(request.url.port) } : {}),
    path: request.path,
    query: request.query,
    // fetch sends Host itself, with this very value.
    headers: { ...request.headers, host: request.url.host },
    ...(request.body === undefined ? {} : { body: request.body }),
  });
  const headers = { ...(signed.headers as Record<string, string>) };
  delete headers.host;
  return headers;
}
