/**
 * Bad input on every route of both protocols: each request gets its AWS error code and status,
 * none gets a 500, and the database is byte-for-byte the same afterwards.
 */
import http from "node:http";
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type RunningServer } from "../helpers/server.ts";
import { databaseSnapshot } from "./db-snapshot.ts";

let server: RunningServer;

const snapshot = () => databaseSnapshot(server.databaseFile);

beforeAll(async () => {
  server = await startServer();
  const created = await fetch(`${server.url}/v1/cache-subnet-groups`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ CacheSubnetGroupName: "kept", CacheSubnetGroupDescription: "d", SubnetIds: ["subnet-12345678"] }),
  });
  expect(created.status).toBe(200);
});
afterAll(async () => server?.cleanup());

interface Case {
  name: string;
  method: string;
  path: string;
  body?: string;
  contentType?: string;
  code: string;
  status: number;
}

const json = "application/json";
const form = "application/x-www-form-urlencoded";
const group = "/v1/cache-subnet-groups";
const valid = { CacheSubnetGroupName: "new-group", CacheSubnetGroupDescription: "d", SubnetIds: ["subnet-12345678"] };
const body = (patch: Record<string, unknown>) => JSON.stringify({ ...valid, ...patch });
const arn = encodeURIComponent("arn:aws:elasticache:us-east-1:000000000000:subnetgroup:kept");

const restCases: Case[] = [
  { name: "missing name", method: "POST", path: group, body: body({ CacheSubnetGroupName: undefined }), contentType: json, code: "MissingParameter", status: 400 },
  { name: "missing subnets", method: "POST", path: group, body: body({ SubnetIds: undefined }), contentType: json, code: "MissingParameter", status: 400 },
  { name: "empty subnets", method: "POST", path: group, body: body({ SubnetIds: [] }), contentType: json, code: "MissingParameter", status: 400 },
  { name: "unknown field", method: "POST", path: group, body: body({ Colour: "red" }), contentType: json, code: "InvalidParameterValue", status: 400 },
  { name: "subnets of the wrong type", method: "POST", path: group, body: body({ SubnetIds: "subnet-12345678" }), contentType: json, code: "InvalidParameterValue", status: 400 },
  { name: "description of the wrong type", method: "POST", path: group, body: body({ CacheSubnetGroupDescription: 5 }), contentType: json, code: "InvalidParameterValue", status: 400 },
  { name: "tags of the wrong shape", method: "POST", path: group, body: body({ Tags: [{ Value: "x" }] }), contentType: json, code: "MissingParameter", status: 400 },
  { name: "reserved tag key", method: "POST", path: group, body: body({ Tags: [{ Key: "aws:x", Value: "x" }] }), contentType: json, code: "InvalidParameterValue", status: 400 },
  { name: "bad name", method: "POST", path: group, body: body({ CacheSubnetGroupName: "no_underscores" }), contentType: json, code: "InvalidParameterValue", status: 400 },
  { name: "name too long", method: "POST", path: group, body: body({ CacheSubnetGroupName: "a".repeat(256) }), contentType: json, code: "InvalidParameterValue", status: 400 },
  { name: "bad subnet id", method: "POST", path: group, body: body({ SubnetIds: ["sub-123"] }), contentType: json, code: "InvalidSubnet", status: 400 },
  { name: "too many subnets", method: "POST", path: group, body: body({ SubnetIds: Array.from({ length: 21 }, (_, i) => `subnet-${String(i).padStart(8, "0")}`) }), contentType: json, code: "SubnetQuotaExceededFault", status: 400 },
  { name: "duplicate of an existing group", method: "POST", path: group, body: body({ CacheSubnetGroupName: "KEPT" }), contentType: json, code: "CacheSubnetGroupAlreadyExists", status: 400 },
  { name: "malformed JSON", method: "POST", path: group, body: "{\"CacheSubnetGroupName\":", contentType: json, code: "SerializationException", status: 400 },
  { name: "JSON that is not an object", method: "POST", path: group, body: "[1,2]", contentType: json, code: "InvalidParameterValue", status: 400 },
  { name: "oversized body", method: "POST", path: group, body: body({ CacheSubnetGroupDescription: "x".repeat(2 * 1024 * 1024) }), contentType: json, code: "RequestEntityTooLarge", status: 413 },
  { name: "unsupported content type", method: "POST", path: group, body: "<xml/>", contentType: "application/xml", code: "UnsupportedMediaType", status: 415 },
  { name: "MaxRecords below 20", method: "GET", path: `${group}?MaxRecords=19`, code: "InvalidParameterValue", status: 400 },
  { name: "MaxRecords above 100", method: "GET", path: `${group}?MaxRecords=101`, code: "InvalidParameterValue", status: 400 },
  { name: "MaxRecords not a number", method: "GET", path: `${group}?MaxRecords=ten`, code: "InvalidParameterValue", status: 400 },
  { name: "MaxRecords twice", method: "GET", path: `${group}?MaxRecords=20&MaxRecords=30`, code: "InvalidParameterValue", status: 400 },
  { name: "bad Marker", method: "GET", path: `${group}?Marker=%%%`, code: "InvalidParameterValue", status: 400 },
  { name: "unknown query parameter", method: "GET", path: `${group}?Bogus=1`, code: "InvalidParameterValue", status: 400 },
  { name: "describe unknown group", method: "GET", path: `${group}/nope`, code: "CacheSubnetGroupNotFoundFault", status: 400 },
  { name: "modify unknown group", method: "PATCH", path: `${group}/nope`, body: "{\"CacheSubnetGroupDescription\":\"x\"}", contentType: json, code: "CacheSubnetGroupNotFoundFault", status: 400 },
  { name: "modify with a bad subnet", method: "PATCH", path: `${group}/kept`, body: "{\"SubnetIds\":[\"vpc-1\"]}", contentType: json, code: "InvalidSubnet", status: 400 },
  { name: "modify the default group", method: "PATCH", path: `${group}/default`, body: "{\"CacheSubnetGroupDescription\":\"x\"}", contentType: json, code: "InvalidParameterValue", status: 400 },
  { name: "delete unknown group", method: "DELETE", path: `${group}/nope`, code: "CacheSubnetGroupNotFoundFault", status: 400 },
  { name: "delete default group", method: "DELETE", path: `${group}/default`, code: "InvalidParameterValue", status: 400 },
  { name: "tags on a malformed ARN", method: "GET", path: "/v1/tags/arn:aws:s3:::bucket", code: "InvalidARN", status: 400 },
  { name: "tags on another region's ARN", method: "GET", path: `/v1/tags/${encodeURIComponent("arn:aws:elasticache:eu-west-1:000000000000:subnetgroup:kept")}`, code: "InvalidARN", status: 400 },
  { name: "tags on an unknown cluster", method: "GET", path: `/v1/tags/${encodeURIComponent("arn:aws:elasticache:us-east-1:000000000000:cluster:nope")}`, code: "CacheClusterNotFound", status: 404 },
  { name: "add tags without Tags", method: "POST", path: `/v1/tags/${arn}`, body: "{}", contentType: json, code: "MissingParameter", status: 400 },
  { name: "add 51 tags", method: "POST", path: `/v1/tags/${arn}`, body: JSON.stringify({ Tags: Array.from({ length: 51 }, (_, i) => ({ Key: `k${i}`, Value: "v" })) }), contentType: json, code: "TagQuotaPerResourceExceeded", status: 400 },
  { name: "remove a tag that is not there", method: "DELETE", path: `/v1/tags/${arn}`, body: "{\"TagKeys\":[\"absent\"]}", contentType: json, code: "TagNotFound", status: 404 },
  { name: "unknown route", method: "GET", path: "/v1/nothing-here", code: "UnknownOperationException", status: 404 },
  // Strings that cannot be stored or returned, and AWS's tag characters.
  { name: "lone surrogate in a description", method: "POST", path: group, body: body({ CacheSubnetGroupDescription: "x\ud800" }), contentType: json, code: "InvalidParameterValue", status: 400 },
  { name: "control character in a description", method: "POST", path: group, body: body({ CacheSubnetGroupDescription: "bell\u0007" }), contentType: json, code: "InvalidParameterValue", status: 400 },
  { name: "lone surrogate in a tag value", method: "POST", path: `/v1/tags/${arn}`, body: "{\"Tags\":[{\"Key\":\"k\",\"Value\":\"\\udfff\"}]}", contentType: json, code: "InvalidParameterValue", status: 400 },
  { name: "control character in a tag key", method: "POST", path: `/v1/tags/${arn}`, body: JSON.stringify({ Tags: [{ Key: "k\u0001", Value: "v" }] }), contentType: json, code: "InvalidParameterValue", status: 400 },
  { name: "tag value outside AWS's tag characters", method: "POST", path: `/v1/tags/${arn}`, body: JSON.stringify({ Tags: [{ Key: "k", Value: "50%!" }] }), contentType: json, code: "InvalidParameterValue", status: 400 },
  { name: "control character in a path parameter", method: "DELETE", path: `${group}/ke%01pt`, code: "InvalidParameterValue", status: 400 },
  // Routing and body-parsing errors.
  { name: "path parameter longer than any ARN", method: "GET", path: `/v1/tags/${"a".repeat(3000)}`, code: "InvalidParameterValue", status: 400 },
  { name: "ARN of 300 characters", method: "GET", path: `/v1/tags/${encodeURIComponent(`arn:aws:elasticache:us-east-1:000000000000:cluster:${"a".repeat(250)}`)}`, code: "CacheClusterNotFound", status: 404 },
  { name: "malformed percent-escape in the path", method: "GET", path: `${group}/%zz`, code: "InvalidParameterValue", status: 400 },
  { name: "malformed percent-escape in the query string", method: "GET", path: "/v1/events?SourceType=cache-cluster&SourceIdentifier=%zz", code: "InvalidParameterValue", status: 400 },
  { name: "text/plain body", method: "POST", path: group, body: "CacheSubnetGroupName=x", contentType: "text/plain", code: "UnsupportedMediaType", status: 415 },
  { name: "unknown route outside /v1", method: "POST", path: "/nothing", body: "{}", contentType: json, code: "UnknownOperationException", status: 404 },
  { name: "unknown method on a known path", method: "PUT", path: group, body: "{}", contentType: json, code: "UnknownOperationException", status: 404 },
];

const queryCases: Case[] = [
  { name: "no Action", method: "POST", path: "/", body: "Version=2015-02-02", contentType: form, code: "MissingAction", status: 400 },
  { name: "unknown Action", method: "POST", path: "/", body: "Action=MakeCoffee&Version=2015-02-02", contentType: form, code: "InvalidAction", status: 400 },
  { name: "modeled but not implemented", method: "POST", path: "/", body: "Action=CreateServerlessCache&Version=2015-02-02&ServerlessCacheName=x&Engine=redis", contentType: form, code: "InvalidAction", status: 400 },
  { name: "missing Version", method: "POST", path: "/", body: "Action=DescribeCacheSubnetGroups", contentType: form, code: "MissingParameter", status: 400 },
  { name: "wrong Version", method: "POST", path: "/", body: "Action=DescribeCacheSubnetGroups&Version=2012-01-01", contentType: form, code: "InvalidParameterValue", status: 400 },
  { name: "malformed integer", method: "POST", path: "/", body: "Action=DescribeCacheSubnetGroups&Version=2015-02-02&MaxRecords=lots", contentType: form, code: "InvalidParameterValue", status: 400 },
  { name: "list index 0", method: "POST", path: "/", body: "Action=CreateCacheSubnetGroup&Version=2015-02-02&CacheSubnetGroupName=q&CacheSubnetGroupDescription=d&SubnetIds.SubnetIdentifier.0=subnet-12345678", contentType: form, code: "InvalidParameterValue", status: 400 },
  { name: "missing required member", method: "POST", path: "/", body: "Action=CreateCacheSubnetGroup&Version=2015-02-02&CacheSubnetGroupName=q&SubnetIds.SubnetIdentifier.1=subnet-12345678", contentType: form, code: "MissingParameter", status: 400 },
  { name: "malformed percent-encoding", method: "POST", path: "/", body: "Action=DescribeCacheSubnetGroups&Version=2015-02-02&Marker=%zz", contentType: form, code: "MalformedQueryString", status: 400 },
  { name: "oversized form body", method: "POST", path: "/", body: "Action=DescribeCacheSubnetGroups&Version=2015-02-02&Marker=" + "x".repeat(2 * 1024 * 1024), contentType: form, code: "RequestEntityTooLarge", status: 413 },
  { name: "GET with an unknown Action", method: "GET", path: "/?Action=Nope&Version=2015-02-02", code: "InvalidAction", status: 400 },
  { name: "GET of an unknown group", method: "GET", path: "/?Action=DescribeCacheSubnetGroups&Version=2015-02-02&CacheSubnetGroupName=nope", code: "CacheSubnetGroupNotFoundFault", status: 400 },
  { name: "delete the default group", method: "POST", path: "/", body: "Action=DeleteCacheSubnetGroup&Version=2015-02-02&CacheSubnetGroupName=default", contentType: form, code: "InvalidParameterValue", status: 400 },
  { name: "malformed authorization header", method: "POST", path: "/", body: "Action=DescribeCacheSubnetGroups&Version=2015-02-02", contentType: form, code: "IncompleteSignature", status: 400 },
  { name: "control character in a description", method: "POST", path: "/", body: "Action=CreateCacheSubnetGroup&Version=2015-02-02&CacheSubnetGroupName=q&CacheSubnetGroupDescription=a%01b&SubnetIds.SubnetIdentifier.1=subnet-12345678", contentType: form, code: "InvalidParameterValue", status: 400 },
  { name: "control character in a tag value", method: "POST", path: "/", body: `Action=AddTagsToResource&Version=2015-02-02&ResourceName=${arn}&Tags.Tag.1.Key=k&Tags.Tag.1.Value=%1B`, contentType: form, code: "InvalidParameterValue", status: 400 },
  { name: "invalid UTF-8 in a value", method: "POST", path: "/", body: "Action=CreateCacheSubnetGroup&Version=2015-02-02&CacheSubnetGroupName=q&CacheSubnetGroupDescription=%ED%A0%80&SubnetIds.SubnetIdentifier.1=subnet-12345678", contentType: form, code: "MalformedQueryString", status: 400 },
  { name: "JSON body", method: "POST", path: "/", body: "{\"Action\":\"DescribeCacheSubnetGroups\"}", contentType: json, code: "UnsupportedMediaType", status: 415 },
  { name: "GET with a malformed percent-escape", method: "GET", path: "/?Action=DescribeCacheSubnetGroups&Version=2015-02-02&Marker=%zz", code: "MalformedQueryString", status: 400 },
];

/**
 * Oversized bodies: announce the full length and send only the start. The server refuses on the
 * Content-Length alone, as it would for the whole body, and the client cannot die of EPIPE.
 */
function sendOversized(testCase: Case): Promise<Response> {
  return new Promise((resolve, reject) => {
    const request = http.request(server.url + testCase.path, {
      method: testCase.method,
      headers: { "content-type": testCase.contentType!, "content-length": Buffer.byteLength(testCase.body!) },
    });
    request.on("response", async (response) => {
      const chunks: Buffer[] = [];
      for await (const chunk of response) chunks.push(chunk as Buffer);
      resolve(new Response(Buffer.concat(chunks), { status: response.statusCode, headers: response.headers as Record<string, string> }));
    });
    request.on("error", reject);
    request.write(testCase.body!.slice(0, 1024));
  });
}

async function send(testCase: Case) {
  if (testCase.name.startsWith("oversized")) return sendOversized(testCase);
  const headers: Record<string, string> = {};
  if (testCase.contentType) headers["content-type"] = testCase.contentType;
  if (testCase.name === "malformed authorization header") headers.authorization = "AWS4-HMAC-SHA256 nonsense";
  return fetch(server.url + testCase.path, { method: testCase.method, headers, body: testCase.body });
}

describe("REST bad input", () => {
  it.each(restCases)("$name → $code $status", async (testCase) => {
    const before = snapshot();
    const response = await send(testCase);
    const payload = await response.json();
    expect(payload.Error.Code).toBe(testCase.code);
    expect(response.status).toBe(testCase.status);
    expect(payload.Error.Type).toBe("Sender");
    expect(payload.Error.Message.length).toBeGreaterThan(5);
    expect(payload.RequestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(snapshot()).toBe(before);
  });
});

describe("Query protocol bad input", () => {
  it.each(queryCases)("$name → $code $status", async (testCase) => {
    const before = snapshot();
    const response = await send(testCase);
    const text = await response.text();
    expect(response.headers.get("content-type")).toMatch(/xml/);
    expect(text).toContain(`<Code>${testCase.code}</Code>`);
    expect(text).toMatch(/^<ErrorResponse xmlns="http:\/\/elasticache\.amazonaws\.com\/doc\/2015-02-02\/"><Error><Type>Sender<\/Type>/);
    expect(response.status).toBe(testCase.status);
    expect(snapshot()).toBe(before);
  });
});

it("answers a request the HTTP parser refuses in AWS's shape, in the protocol of its path", async () => {
  const raw = (request: string) =>
    new Promise<string>((resolve, reject) => {
      const socket = net.connect(server.port, "127.0.0.1", () => socket.end(request));
      let text = "";
      socket.on("data", (chunk) => (text += chunk));
      socket.on("end", () => resolve(text));
      socket.on("error", reject);
    });
  const rest = await raw("GET /v1/cache-subnet-groups HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n");
  expect(rest).toMatch(/^HTTP\/1\.1 400 /);
  expect(JSON.parse(rest.slice(rest.indexOf("\r\n\r\n") + 4)).Error).toMatchObject({ Type: "Sender", Code: "MalformedRequest" });
  const query = await raw("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n");
  expect(query).toMatch(/^HTTP\/1\.1 400 /);
  expect(query).toContain("<Code>MalformedRequest</Code>");
});

it("still serves after all of that", async () => {
  const response = await fetch(`${server.url}${group}/kept`);
  expect(response.status).toBe(200);
  expect((await response.json()).CacheSubnetGroup.CacheSubnetGroupName).toBe("kept");
});
