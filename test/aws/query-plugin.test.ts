/** Raw HTTP against the Query protocol plugin: the edges SDKs never exercise. */
import { XMLParser } from "fast-xml-parser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./helpers.ts";

const NS = "http://elasticache.amazonaws.com/doc/2015-02-02/";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const xml = new XMLParser({ ignoreAttributes: false, parseTagValue: false, htmlEntities: true });

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ bodyLimit: 4096 });
});
afterAll(async () => {
  await server?.close();
});

async function post(body: string, headers: Record<string, string> = {}) {
  return send(
    await fetch(`${server.url}/`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded; charset=utf-8", ...headers },
      body,
    }),
  );
}

async function get(query: string) {
  return send(await fetch(`${server.url}/?${query}`));
}

async function send(res: Response) {
  const text = await res.text();
  const requestId = res.headers.get("x-amzn-requestid");
  expect(requestId).toMatch(UUID);
  expect(res.headers.get("content-type")).toMatch(/^text\/xml/);
  return { status: res.status, text, doc: xml.parse(text), requestId: requestId! };
}

/** Asserts an ErrorResponse and returns its Error element. */
function errorOf(r: { status: number; doc: any; requestId: string }, status: number, code: string) {
  expect(r.status).toBe(status);
  const root = r.doc.ErrorResponse;
  expect(root, JSON.stringify(r.doc)).toBeDefined();
  expect(root["@_xmlns"]).toBe(NS);
  expect(root.RequestId).toBe(r.requestId);
  expect(root.Error.Code).toBe(code);
  expect(root.Error.Type).toBe(status >= 500 ? "Receiver" : "Sender");
  return root.Error as { Code: string; Message: string; Type: string };
}

describe("Query protocol over raw HTTP", () => {
  it("POST form body -> XML result with the request id", async () => {
    const r = await post(
      "Action=CreateCacheSubnetGroup&Version=2015-02-02&CacheSubnetGroupName=g1&CacheSubnetGroupDescription=hello+world%21" +
        "&SubnetIds.SubnetIdentifier.1=subnet-a&Tags.Tag.1.Key=k&Tags.Tag.1.Value=v",
    );
    expect(r.status).toBe(200);
    expect(r.text.startsWith(`<CreateCacheSubnetGroupResponse xmlns="${NS}"><CreateCacheSubnetGroupResult>`)).toBe(true);
    const group = r.doc.CreateCacheSubnetGroupResponse.CreateCacheSubnetGroupResult.CacheSubnetGroup;
    expect(group.CacheSubnetGroupDescription).toBe("hello world!");
    expect(group.Subnets.Subnet.SubnetIdentifier).toBe("subnet-a");
    expect(r.doc.CreateCacheSubnetGroupResponse.ResponseMetadata.RequestId).toBe(r.requestId);
    expect(server.inputs.CreateCacheSubnetGroup).toEqual({
      CacheSubnetGroupName: "g1",
      CacheSubnetGroupDescription: "hello world!",
      SubnetIds: ["subnet-a"],
      Tags: [{ Key: "k", Value: "v" }],
    });
    // Unsigned requests get the default region.
    expect(server.regions.CreateCacheSubnetGroup).toBe("us-east-1");
  });

  it("GET with a query string", async () => {
    const r = await get("Action=DescribeReplicationGroups&Version=2015-02-02&ReplicationGroupId=my-rg&MaxRecords=20");
    expect(r.status).toBe(200);
    const group = r.doc.DescribeReplicationGroupsResponse.DescribeReplicationGroupsResult.ReplicationGroups.ReplicationGroup;
    expect(group.MemberClusters.ClusterId).toEqual(["my-rg-001", "my-rg-002"]);
    expect(server.inputs.DescribeReplicationGroups).toEqual({ ReplicationGroupId: "my-rg", MaxRecords: 20 });
  });

  it("parameters may be split between the URL and the body", async () => {
    const r = send(
      await fetch(`${server.url}/?Action=DeleteCacheSubnetGroup&Version=2015-02-02`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: "Action=DeleteCacheSubnetGroup&CacheSubnetGroupName=exists",
      }),
    );
    const { status, text } = await r;
    expect(status).toBe(200);
    expect(text).toContain("<DeleteCacheSubnetGroupResponse");
    expect(text).not.toContain("Result");
  });

  it("POST without a body uses the query string", async () => {
    const r = send(
      await fetch(`${server.url}/?Action=DeleteCacheSubnetGroup&Version=2015-02-02&CacheSubnetGroupName=exists`, { method: "POST" }),
    );
    expect((await r).status).toBe(200);
  });

  it("missing Action -> MissingAction", async () => {
    errorOf(await post("Version=2015-02-02"), 400, "MissingAction");
    errorOf(await get(""), 400, "MissingAction");
  });

  it("unknown Action -> InvalidAction", async () => {
    const err = errorOf(await post("Action=DescribeNothing&Version=2015-02-02"), 400, "InvalidAction");
    expect(err.Message).toBe("The action DescribeNothing is not valid for this web service.");
  });

  it("modeled but unimplemented Action -> InvalidAction saying so", async () => {
    const err = errorOf(await post("Action=CreateUser&Version=2015-02-02"), 400, "InvalidAction");
    expect(err.Message).toBe("The operation CreateUser is not implemented by elasticache-local yet.");
  });

  it("missing or wrong Version", async () => {
    expect(errorOf(await post("Action=DescribeEvents"), 400, "MissingParameter").Message).toContain("Version");
    expect(errorOf(await post("Action=DescribeEvents&Version=2012-11-15"), 400, "InvalidParameterValue").Message).toContain(
      "2012-11-15",
    );
  });

  it("malformed integer, unknown and missing parameters", async () => {
    expect(
      errorOf(await post("Action=DescribeEvents&Version=2015-02-02&MaxRecords=twenty"), 400, "InvalidParameterValue").Message,
    ).toContain("MaxRecords");
    expect(
      errorOf(await post("Action=DescribeEvents&Version=2015-02-02&MaxRecord=20"), 400, "InvalidParameterValue").Message,
    ).toBe("Unknown parameter: MaxRecord");
    expect(errorOf(await post("Action=DeleteCacheSubnetGroup&Version=2015-02-02"), 400, "MissingParameter").Message).toContain(
      "CacheSubnetGroupName",
    );
  });

  it("conflicting duplicate parameters are rejected, identical ones tolerated", async () => {
    errorOf(await post("Action=DescribeEvents&Version=2015-02-02&Duration=5&Duration=6"), 400, "InvalidParameterValue");
    expect((await post("Action=DescribeEvents&Version=2015-02-02&Duration=5&Duration=5")).status).toBe(200);
  });

  it("malformed body: bad percent-encoding -> MalformedQueryString", async () => {
    errorOf(await post("Action=DescribeEvents&Version=2015-02-02&Marker=%zz"), 400, "MalformedQueryString");
    errorOf(await post("Action=DescribeEvents&Version=2015-02-02&Marker=%C3%28"), 400, "MalformedQueryString");
    errorOf(await get("Action=DescribeEvents&Version=2015-02-02&Marker=%"), 400, "MalformedQueryString");
  });

  it("body that is not a form: JSON or unknown content types -> 415 XML", async () => {
    errorOf(await post(`{"Action":"DescribeEvents"}`, { "content-type": "application/json" }), 415, "UnsupportedMediaType");
    errorOf(await post(`{not json`, { "content-type": "application/json" }), 415, "UnsupportedMediaType");
    errorOf(await post("<x/>", { "content-type": "application/xml" }), 415, "UnsupportedMediaType");
    errorOf(await post("Action=DescribeEvents", { "content-type": "text/plain" }), 415, "UnsupportedMediaType");
  });

  it("oversized body -> 413 RequestEntityTooLarge as XML", async () => {
    const err = errorOf(
      await post(`Action=DescribeEvents&Version=2015-02-02&Marker=${"x".repeat(10_000)}`),
      413,
      "RequestEntityTooLarge",
    );
    expect(err.Message).toContain("4096");
  });

  it("modeled error thrown by a handler keeps its code and status", async () => {
    const err = errorOf(
      await post("Action=DeleteCacheSubnetGroup&Version=2015-02-02&CacheSubnetGroupName=nope"),
      400,
      "CacheSubnetGroupNotFoundFault",
    );
    expect(err.Message).toBe("CacheSubnetGroup nope not found.");
  });

  it("unexpected handler failure -> 500 InternalFailure without internals", async () => {
    const err = errorOf(
      await post("Action=ModifyReplicationGroup&Version=2015-02-02&ReplicationGroupId=my-rg"),
      500,
      "InternalFailure",
    );
    expect(err.Message).not.toContain("fire");
  });

  it("SigV4: well-formed Authorization passes and gives the region; malformed -> IncompleteSignature", async () => {
    const good =
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/eu-west-3/elasticache/aws4_request, " +
      "SignedHeaders=content-type;host;x-amz-date, Signature=abcdef0123456789";
    expect((await post("Action=ListTagsForResource&Version=2015-02-02&ResourceName=arn", { authorization: good })).status).toBe(200);
    expect(server.regions.ListTagsForResource).toBe("eu-west-3");

    for (const bad of [
      "Bearer abc",
      "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/elasticache/aws4_request, SignedHeaders=host",
      "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=abc",
      "AWS4-HMAC-SHA256 Credential=AKID/us-east-1/elasticache/aws4_request, SignedHeaders=host, Signature=abc",
    ]) {
      errorOf(await post("Action=ListTagsForResource&Version=2015-02-02&ResourceName=arn", { authorization: bad }), 400, "IncompleteSignature");
    }
  });

  it("SigV4 presigned query parameters are checked and not treated as operation parameters", async () => {
    const presigned =
      "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F20260101%2Fap-south-1%2Felasticache%2Faws4_request" +
      "&X-Amz-Date=20260101T000000Z&X-Amz-SignedHeaders=host&X-Amz-Signature=abc";
    expect((await get(`Action=ListTagsForResource&Version=2015-02-02&ResourceName=arn&${presigned}`)).status).toBe(200);
    expect(server.regions.ListTagsForResource).toBe("ap-south-1");
    errorOf(
      await get("Action=ListTagsForResource&Version=2015-02-02&ResourceName=arn&X-Amz-Signature=abc"),
      400,
      "IncompleteSignature",
    );
  });
});
