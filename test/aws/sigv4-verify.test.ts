/**
 * SignatureVerifier on requests signed by the AWS SDK for JavaScript's own signer, with a fixed
 * clock: what passes (header and presigned, ARNs in the path, repeated and special query values, a
 * signed body, the STS scope) and each refusal with AWS's code and status. The real clients (CLI,
 * boto3, SDK, shim) against the real server are in test/api/signed-calls.test.ts.
 */
import { Hash } from "@smithy/core/serde";
import { SignatureV4 } from "@smithy/signature-v4";
import type { HttpRequest } from "@smithy/types";
import { describe, expect, it } from "vitest";
import { SignatureVerifier, type SignedRequest } from "../../src/aws/sigv4-verify.ts";

const KEY = "AKIDVERIFY";
const SECRET = "verify/secret+1=";
const SIGNED_AT = new Date("2026-11-30T12:00:00Z");
const HOST = "127.0.0.1:4599";
const sha256 = Hash.bind(null, "sha256");

const signer = (service = "elasticache", secretAccessKey = SECRET) =>
  new SignatureV4({ credentials: { accessKeyId: KEY, secretAccessKey }, region: "eu-west-1", service, sha256 });

const verifier = (now = SIGNED_AT) => new SignatureVerifier(new Map([[KEY, SECRET]]), () => now);

/** The request as the server receives it, from what the signer produced. */
function received(signed: HttpRequest, rawQuery?: string): SignedRequest {
  const query =
    rawQuery ??
    Object.entries(signed.query ?? {})
      .flatMap(([k, v]) => (Array.isArray(v) ? v : [v]).map((value) => `${encodeURIComponent(k)}=${encodeURIComponent(String(value))}`))
      .join("&");
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(signed.headers)) headers[name.toLowerCase()] = value;
  return { method: signed.method, path: signed.path, query, headers, body: Buffer.from((signed.body as string | undefined) ?? "") };
}

function request(overrides: Partial<HttpRequest> = {}): HttpRequest {
  return { method: "GET", protocol: "http:", hostname: "127.0.0.1", port: 4599, path: "/", query: {}, headers: { host: HOST }, ...overrides } as HttpRequest;
}

async function refusal(promise: Promise<unknown>): Promise<{ code: string; status: number }> {
  const error = (await promise.then(
    () => undefined,
    (e) => e,
  )) as { code: string; status: number } | undefined;
  if (!error) throw new Error("expected a refusal");
  return { code: error.code, status: error.status };
}

describe("SignatureVerifier", () => {
  it("accepts header signatures: an ARN in the path, repeated and special query values, a signed JSON body; reads key, region and service", async () => {
    const path = `/v1/tags/${encodeURIComponent("arn:aws:elasticache:eu-west-1:000000000000:replicationgroup:demo")}`;
    const get = await signer().sign(request({ path, query: { Marker: "a b+c/=", Tag: ["z", "a"] } }), { signingDate: SIGNED_AT });
    expect(await verifier().verify(received(get))).toEqual({ accessKeyId: KEY, region: "eu-west-1", service: "elasticache" });
    const body = JSON.stringify({ CacheSubnetGroupName: "é & ü" });
    const post = await signer().sign(request({ method: "POST", path: "/v1/cache-subnet-groups", body, headers: { host: HOST, "content-type": "application/json" } }), { signingDate: SIGNED_AT });
    expect((await verifier().verify(received(post))).service).toBe("elasticache");
    const sts = await signer("sts").sign(request({ query: { Action: "GetCallerIdentity", Version: "2011-06-15" } }), { signingDate: SIGNED_AT });
    expect((await verifier().verify(received(sts))).service).toBe("sts");
  });

  it("accepts a date up to 15 minutes either side of its clock, and refuses one further with RequestExpired 400", async () => {
    const signed = received(await signer().sign(request(), { signingDate: SIGNED_AT }));
    const minutes = (m: number) => new Date(SIGNED_AT.getTime() + m * 60_000);
    await expect(verifier(minutes(14)).verify(signed)).resolves.toBeDefined();
    await expect(verifier(minutes(-14)).verify(signed)).resolves.toBeDefined();
    expect(await refusal(verifier(minutes(16)).verify(signed))).toEqual({ code: "RequestExpired", status: 400 });
    expect(await refusal(verifier(minutes(-16)).verify(signed))).toEqual({ code: "RequestExpired", status: 400 });
  });

  it("refuses a wrong secret, an unknown key, a changed query or body, a signed header gone missing", async () => {
    const signed = await signer().sign(request({ query: { Action: "DescribeEvents" } }), { signingDate: SIGNED_AT });
    expect(await refusal(verifier().verify(received(await signer("elasticache", "wrong").sign(request(), { signingDate: SIGNED_AT }))))).toEqual({
      code: "SignatureDoesNotMatch",
      status: 403,
    });
    expect(await refusal(new SignatureVerifier(new Map([["OTHER", SECRET]]), () => SIGNED_AT).verify(received(signed)))).toEqual({
      code: "InvalidClientTokenId",
      status: 403,
    });
    expect(await refusal(verifier().verify(received(signed, "Action=DescribeCacheClusters")))).toEqual({ code: "SignatureDoesNotMatch", status: 403 });
    const post = await signer().sign(request({ method: "POST", body: "Action=A", headers: { host: HOST, "x-extra": "1" } }), { signingDate: SIGNED_AT });
    expect(await refusal(verifier().verify({ ...received(post), body: Buffer.from("Action=B") }))).toEqual({ code: "SignatureDoesNotMatch", status: 403 });
    const { "x-extra": _gone, ...withoutExtra } = received(post).headers;
    expect(await refusal(verifier().verify({ ...received(post), headers: withoutExtra }))).toEqual({ code: "SignatureDoesNotMatch", status: 403 });
  });

  it("refuses what is not signed, or signed incompletely, with MissingAuthenticationToken 403 or IncompleteSignature 400", async () => {
    expect(await refusal(verifier().verify({ method: "GET", path: "/", query: "Action=DescribeEvents", headers: { host: HOST }, body: Buffer.alloc(0) }))).toEqual({
      code: "MissingAuthenticationToken",
      status: 403,
    });
    const signed = received(await signer().sign(request(), { signingDate: SIGNED_AT }));
    const incomplete = { code: "IncompleteSignature", status: 400 };
    const withAuthorization = (authorization: string) => verifier().verify({ ...signed, headers: { ...signed.headers, authorization } });
    expect(await refusal(withAuthorization(String(signed.headers.authorization).replace("SignedHeaders=host;", "SignedHeaders=")))).toEqual(incomplete);
    expect(await refusal(withAuthorization(String(signed.headers.authorization).replace(/\/elasticache\//, "/s3/")))).toEqual(incomplete);
    const { "x-amz-date": _date, ...dateless } = signed.headers;
    expect(await refusal(verifier().verify({ ...signed, headers: dateless }))).toEqual(incomplete);
    expect(await refusal(verifier().verify({ ...signed, query: "X-Amz-Algorithm=AWS4-HMAC-SHA256" }))).toEqual(incomplete);
  });

  it("presigned URLs: accepted until X-Amz-Expires, then RequestExpired; more than 7 days is incomplete", async () => {
    const presigned = await signer().presign(request({ query: { Action: "DescribeCacheSubnetGroups", Version: "2015-02-02" } }), { signingDate: SIGNED_AT, expiresIn: 300 });
    const asReceived = received(presigned as HttpRequest);
    expect(await verifier(new Date(SIGNED_AT.getTime() + 299_000)).verify(asReceived)).toEqual({ accessKeyId: KEY, region: "eu-west-1", service: "elasticache" });
    expect(await refusal(verifier(new Date(SIGNED_AT.getTime() + 301_000)).verify(asReceived))).toEqual({ code: "RequestExpired", status: 400 });
    expect(await refusal(verifier().verify({ ...asReceived, query: asReceived.query.replace("X-Amz-Expires=300", "X-Amz-Expires=604801") }))).toEqual({
      code: "IncompleteSignature",
      status: 400,
    });
    expect(await refusal(verifier().verify({ ...asReceived, query: asReceived.query.replace("DescribeCacheSubnetGroups", "DescribeEvents") }))).toEqual({
      code: "SignatureDoesNotMatch",
      status: 403,
    });
  });
});
