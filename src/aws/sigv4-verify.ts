/**
 * SigV4 verification, for when credentials are configured: the signature a request carries (in its
 * Authorization header, or presigned in its query string) is computed again with the secret of its
 * access key by @smithy/signature-v4, the signer of the AWS SDK for JavaScript, and compared in
 * constant time. Recomputing with the SDK's own signer, fed the request exactly as it arrived (raw
 * path, decoded query, only the headers the client signed, the body bytes), keeps the canonical
 * form (path double-encoding, query sorting, header folding) the clients' one.
 *
 * Refusals carry AWS's codes and statuses: MissingAuthenticationToken 403 (nothing signed),
 * IncompleteSignature 400 (signing information malformed or partial), InvalidClientTokenId 403
 * (unknown access key), SignatureDoesNotMatch 403 (wrong secret, or anything signed changed),
 * RequestExpired 400 (x-amz-date more than 15 minutes from now; a presigned URL past X-Amz-Expires).
 */
import { timingSafeEqual } from "node:crypto";
import { Hash } from "@smithy/core/serde";
import { SignatureV4 } from "@smithy/signature-v4";
import type { HttpRequest } from "@smithy/types";
import { AwsError } from "./errors.ts";
import { decodeForm } from "./form.ts";
import { checkPresignedParams, incomplete, isPresigned, parseAuthorizationHeader, parseCredential } from "./sigv4.ts";

/** Who signed a verified request. */
export interface Caller {
  accessKeyId: string;
  /** Region of the credential scope. */
  region: string;
  /** Service of the credential scope: "elasticache", or "sts" for GetCallerIdentity. */
  service: string;
}

/** A request as it arrived. */
export interface SignedRequest {
  method: string;
  /** The path exactly as sent (still percent-encoded), without the query string. */
  path: string;
  /** The query string as sent, without "?". */
  query: string;
  /** Header names in lowercase, as Node gives them. */
  headers: Record<string, string | string[] | undefined>;
  body: Uint8Array;
}

/** AWS accepts a request signed up to 15 minutes before or after its own clock. */
export const MAX_SKEW_MS = 15 * 60 * 1000;
const MAX_PRESIGNED_SECONDS = 7 * 24 * 60 * 60;
const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;
const SHA256_HEADER = "x-amz-content-sha256";

const sha256 = Hash.bind(null, "sha256");

export class SignatureVerifier {
  private readonly signers = new Map<string, SignatureV4>();

  constructor(
    /** Secret access key by access key id. */
    private readonly secrets: ReadonlyMap<string, string>,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async verify(request: SignedRequest): Promise<Caller> {
    const params = queryParams(request.query);
    const authorization = headerValue(request.headers, "authorization");
    const presigned = isPresigned(Object.fromEntries(params.filter(([name]) => name.startsWith("X-Amz-"))));
    if (authorization === undefined && !presigned) {
      throw new AwsError("MissingAuthenticationToken", "Request is missing Authentication Token", 403);
    }
    if (authorization !== undefined && presigned) {
      throw incomplete("Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter or the Authorization header should be specified");
    }
    return authorization !== undefined ? this.verifyHeader(request, params, authorization) : this.verifyPresigned(request, params);
  }

  private async verifyHeader(request: SignedRequest, params: Array<[string, string]>, authorization: string): Promise<Caller> {
    const header = parseAuthorizationHeader(authorization);
    const caller = callerOf(header.credential);
    const signer = this.signerFor(caller.accessKeyId);
    const signedHeaders = signedHeaderNames(header.signedHeaders);
    const amzDate = headerValue(request.headers, "x-amz-date");
    if (amzDate === undefined) throw incomplete("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
    if (!signedHeaders.includes("x-amz-date")) throw incomplete("'X-Amz-Date' must be a 'SignedHeader' in the AWS Authorization.");
    const signingDate = parseAmzDate(amzDate);
    const skew = signingDate.getTime() - this.now().getTime();
    if (skew < -MAX_SKEW_MS) throw expired(`Request has expired: signed at ${amzDate}, more than 15 minutes ago.`);
    if (skew > MAX_SKEW_MS) throw expired(`Signature not yet current: ${amzDate} is more than 15 minutes from now.`);
    await checkPayloadHeader(request);

    const signed = await signer.sign(httpRequest(request, params, signedHeaders), {
      signingDate,
      signingRegion: caller.region,
      signingService: caller.service,
      signableHeaders: new Set(signedHeaders),
    });
    const computed = /Signature=([0-9a-f]+)$/.exec(String((signed as HttpRequest).headers.authorization))?.[1] ?? "";
    if (!sameSignature(computed, header.signature)) throw mismatch();
    return caller;
  }

  private async verifyPresigned(request: SignedRequest, params: Array<[string, string]>): Promise<Caller> {
    const auth = Object.fromEntries(params.filter(([name]) => name.startsWith("X-Amz-")));
    checkPresignedParams(auth);
    const amzDate = auth["X-Amz-Date"];
    const expires = auth["X-Amz-Expires"];
    if (!amzDate) throw incomplete("Missing query parameter X-Amz-Date");
    if (!expires) throw incomplete("Missing query parameter X-Amz-Expires");
    const seconds = Number(expires);
    if (!/^\d+$/.test(expires) || seconds < 1 || seconds > MAX_PRESIGNED_SECONDS) {
      throw incomplete(`X-Amz-Expires must be from 1 to ${MAX_PRESIGNED_SECONDS} seconds, got '${expires}'`);
    }
    const caller = callerOf(auth["X-Amz-Credential"]!);
    const signer = this.signerFor(caller.accessKeyId);
    const signingDate = parseAmzDate(amzDate);
    const now = this.now().getTime();
    if (now > signingDate.getTime() + seconds * 1000) throw expired(`Request has expired: signed at ${amzDate} for ${seconds} seconds.`);
    if (signingDate.getTime() - now > MAX_SKEW_MS) throw expired(`Signature not yet current: ${amzDate} is more than 15 minutes from now.`);

    // The signer adds the presigning parameters itself, so they are left out of what it is given.
    const signedHeaders = signedHeaderNames(auth["X-Amz-SignedHeaders"]!);
    const rest = params.filter(([name]) => !["X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires", "X-Amz-SignedHeaders", "X-Amz-Signature"].includes(name));
    const presigned = await signer.presign(httpRequest(request, rest, signedHeaders), {
      signingDate,
      expiresIn: seconds,
      signingRegion: caller.region,
      signingService: caller.service,
      signableHeaders: new Set(signedHeaders),
      unhoistableHeaders: new Set(signedHeaders),
    });
    if (!sameSignature(String(presigned.query?.["X-Amz-Signature"] ?? ""), auth["X-Amz-Signature"]!)) throw mismatch();
    return caller;
  }

  private signerFor(accessKeyId: string): SignatureV4 {
    let signer = this.signers.get(accessKeyId);
    if (signer) return signer;
    const secretAccessKey = this.secrets.get(accessKeyId);
    if (secretAccessKey === undefined) throw new AwsError("InvalidClientTokenId", "The security token included in the request is invalid.", 403);
    // applyChecksum off: the signer must not add an x-amz-content-sha256 the client did not sign.
    signer = new SignatureV4({ credentials: { accessKeyId, secretAccessKey }, region: "us-east-1", service: "elasticache", sha256, applyChecksum: false });
    this.signers.set(accessKeyId, signer);
    return signer;
  }
}

function callerOf(credential: string): Caller {
  const { accessKeyId, region, service } = parseCredential(credential);
  return { accessKeyId, region, service: service ?? "elasticache" };
}

/** `host;x-amz-date` → names; `host` must be among them, as AWS requires. */
function signedHeaderNames(list: string): string[] {
  const names = list.split(";").map((name) => name.trim().toLowerCase());
  if (!names.includes("host")) throw incomplete("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
  return names;
}

/** What the signer signs: the request as it arrived, with only the headers the client signed. */
function httpRequest(request: SignedRequest, params: Array<[string, string]>, signedHeaders: string[]): HttpRequest {
  const headers: Record<string, string> = {};
  for (const name of signedHeaders) {
    const value = headerValue(request.headers, name);
    if (value !== undefined) headers[name] = value;
  }
  const query: Record<string, string | string[]> = {};
  for (const [name, value] of params) {
    const seen = query[name];
    query[name] = seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value];
  }
  const host = headers.host ?? "";
  return { method: request.method, protocol: "http:", hostname: host, path: request.path, query, headers, body: request.body };
}

/**
 * A signed x-amz-content-sha256 is what the signature covers instead of the body, so it must be
 * the body's hash: otherwise the body could be changed under a valid signature.
 */
async function checkPayloadHeader(request: SignedRequest): Promise<void> {
  const claimed = headerValue(request.headers, SHA256_HEADER);
  if (claimed === undefined) return;
  const hash = new sha256();
  hash.update(request.body);
  if (Buffer.from(await hash.digest()).toString("hex") !== claimed) {
    throw new AwsError("SignatureDoesNotMatch", "The provided 'x-amz-content-sha256' header does not match what was computed.", 403);
  }
}

/** Query parameters decoded as the signer expects them: percent-escapes only (a `+` is a plus sign). */
function queryParams(query: string): Array<[string, string]> {
  return query === "" ? [] : decodeForm(query.replace(/\+/g, "%2B"));
}

function headerValue(headers: SignedRequest["headers"], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(",") : value;
}

function parseAmzDate(value: string): Date {
  const m = AMZ_DATE.exec(value);
  const date = m ? new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!)) : undefined;
  if (!date || Number.isNaN(date.getTime())) throw incomplete(`Date must be in ISO 8601 basic format (yyyyMMdd'T'HHmmss'Z'), got '${value}'`);
  return date;
}

function sameSignature(computed: string, given: string): boolean {
  const a = Buffer.from(computed, "latin1");
  const b = Buffer.from(given, "latin1");
  return a.length === b.length && a.length > 0 && timingSafeEqual(a, b);
}

const expired = (message: string) => new AwsError("RequestExpired", message, 400);
const mismatch = () =>
  new AwsError(
    "SignatureDoesNotMatch",
    "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
    403,
  );
