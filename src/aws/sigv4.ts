/**
 * SigV4 shape check, for the open API (no credentials configured): any credentials are accepted
 * and signatures are not verified (there are no secrets to verify against); requests whose
 * signing information is present but malformed are refused the way AWS answers
 * IncompleteSignature, and the region is read from the credential scope so resources get the
 * region the client asked for. Unsigned requests (curl users: no Authorization header, no
 * X-Amz-Signature parameter) pass. With credentials configured, sigv4-verify.ts verifies
 * signatures, with the parsers below.
 */
import { AwsError } from "./errors.ts";

export interface SignatureInfo {
  /** True when the request carried SigV4 information (header or presigned query). */
  signed: boolean;
  accessKeyId?: string;
  /** Region from the credential scope, e.g. "us-east-1". */
  region?: string;
  /** Set only when the credential scope names another service than elasticache: "sts" (GetCallerIdentity). */
  service?: string;
}

export const ALGORITHM = "AWS4-HMAC-SHA256";
const SERVICE = "elasticache";
/** Services whose requests this endpoint answers (sts: GetCallerIdentity only, see sts.ts). */
const SERVICES = new Set([SERVICE, "sts"]);

/** Presigned-URL parameters; they are protocol data, not operation parameters. */
export function isAuthParam(name: string): boolean {
  return name.toLowerCase().startsWith("x-amz-");
}

/**
 * Checks the SigV4 shape of a request. `params` are the decoded query/body parameters.
 * Throws AwsError IncompleteSignature (400) when signing information is present but malformed.
 */
export function checkSignature(
  headers: Record<string, string | string[] | undefined>,
  params: Record<string, string>,
): SignatureInfo {
  const header = headers["authorization"];
  if (header !== undefined) {
    return checkAuthorizationHeader(Array.isArray(header) ? header.join(",") : header);
  }
  if (isPresigned(params)) {
    checkPresignedParams(params);
    return { signed: true, ...parseCredential(params["X-Amz-Credential"]!) };
  }
  return { signed: false };
}

const PRESIGNED_PARAMS = ["X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature", "X-Amz-SignedHeaders"];

/** Whether the parameters carry presigned-URL authentication (any of its parameters). */
export function isPresigned(params: Record<string, string>): boolean {
  return PRESIGNED_PARAMS.some((p) => params[p] !== undefined);
}

/** IncompleteSignature unless the presigning parameters are all there, for our algorithm. */
export function checkPresignedParams(params: Record<string, string>): void {
  if (params["X-Amz-Algorithm"] !== ALGORITHM) {
    throw incomplete(`X-Amz-Algorithm must be ${ALGORITHM}`);
  }
  for (const p of PRESIGNED_PARAMS) if (!params[p]) throw incomplete(`Missing query parameter ${p}`);
}

function checkAuthorizationHeader(header: string): SignatureInfo {
  return { signed: true, ...parseCredential(parseAuthorizationHeader(header).credential) };
}

export interface AuthorizationHeader {
  credential: string;
  signedHeaders: string;
  signature: string;
}

/**
 * `AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/elasticache/aws4_request, SignedHeaders=..., Signature=...`;
 * IncompleteSignature when a part is missing.
 */
export function parseAuthorizationHeader(header: string): AuthorizationHeader {
  const trimmed = header.trim();
  if (!trimmed.startsWith(`${ALGORITHM} `)) {
    throw incomplete(`Authorization header requires the ${ALGORITHM} algorithm`);
  }
  const fields = new Map<string, string>();
  for (const part of trimmed.slice(ALGORITHM.length).split(",")) {
    const eq = part.indexOf("=");
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  for (const name of ["Credential", "SignedHeaders", "Signature"]) {
    if (!fields.get(name)) {
      throw incomplete(`Authorization header requires '${name}' parameter. Authorization=${header}`);
    }
  }
  return { credential: fields.get("Credential")!, signedHeaders: fields.get("SignedHeaders")!, signature: fields.get("Signature")! };
}

/** `<access key>/<yyyymmdd>/<region>/elasticache/aws4_request`; `service` only when it is not elasticache. */
export function parseCredential(credential: string): { accessKeyId: string; region: string; service?: string } {
  const parts = credential.split("/");
  const [accessKeyId, date, region, service, terminator] = parts;
  if (
    parts.length !== 5 ||
    !accessKeyId ||
    !/^\d{8}$/.test(date!) ||
    !region ||
    !SERVICES.has(service!) ||
    terminator !== "aws4_request"
  ) {
    throw incomplete(
      `Credential should be scoped to a valid region and service: ` +
        `'<key>/<yyyymmdd>/<region>/${SERVICE}/aws4_request', got '${credential}'`,
    );
  }
  return { accessKeyId, region, ...(service !== SERVICE && { service }) };
}

export const incomplete = (message: string) => new AwsError("IncompleteSignature", message, 400);
