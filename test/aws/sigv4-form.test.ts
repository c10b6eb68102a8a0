import { describe, expect, it } from "vitest";
import { collapsePairs, decodeForm } from "../../src/aws/form.ts";
import { checkSignature, isAuthParam } from "../../src/aws/sigv4.ts";

describe("checkSignature", () => {
  const header = (v: string) => ({ authorization: v });

  it("accepts unsigned requests", () => {
    expect(checkSignature({}, { Action: "DescribeEvents" })).toEqual({ signed: false });
  });

  it("reads access key and region from the credential scope", () => {
    expect(
      checkSignature(
        header(
          "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/eu-central-1/elasticache/aws4_request,SignedHeaders=host;x-amz-date,Signature=0f",
        ),
        {},
      ),
    ).toEqual({ signed: true, accessKeyId: "AKIDEXAMPLE", region: "eu-central-1" });
  });

  it("rejects malformed signing information with IncompleteSignature", () => {
    for (const bad of [
      "",
      "AWS4-HMAC-SHA1 Credential=a/20260101/us-east-1/elasticache/aws4_request, SignedHeaders=host, Signature=0f",
      "AWS4-HMAC-SHA256 Credential=a/20260101/us-east-1/elasticache/aws4_request, Signature=0f",
      "AWS4-HMAC-SHA256 Credential=a/2026-01-01/us-east-1/elasticache/aws4_request, SignedHeaders=host, Signature=0f",
      "AWS4-HMAC-SHA256 Credential=a/20260101/us-east-1/elasticache/aws5_request, SignedHeaders=host, Signature=0f",
    ]) {
      expect(() => checkSignature(header(bad), {}), bad).toThrow(expect.objectContaining({ code: "IncompleteSignature", status: 400 }));
    }
    expect(() => checkSignature({}, { "X-Amz-Algorithm": "AWS4-HMAC-SHA256" })).toThrow(
      expect.objectContaining({ code: "IncompleteSignature" }),
    );
  });

  it("knows the presigning parameters", () => {
    expect(isAuthParam("X-Amz-Signature")).toBe(true);
    expect(isAuthParam("x-amz-date")).toBe(true);
    expect(isAuthParam("CacheSubnetGroupName")).toBe(false);
  });
});

describe("form decoding", () => {
  it("decodes +, percent escapes, empty values and keeps order", () => {
    expect(decodeForm("a=1+2&b=%26%3D&c=&d&&e=%E2%82%AC")).toEqual([
      ["a", "1 2"],
      ["b", "&="],
      ["c", ""],
      ["d", ""],
      ["e", "€"],
    ]);
  });

  it("rejects malformed escapes and invalid UTF-8", () => {
    expect(() => decodeForm("a=%zz")).toThrow(expect.objectContaining({ code: "MalformedQueryString" }));
    expect(() => decodeForm("a=%FF")).toThrow(expect.objectContaining({ code: "MalformedQueryString" }));
  });

  it("collapses duplicates only when they agree", () => {
    expect(collapsePairs([["Action", "X"]], [["Action", "X"], ["B", "1"]])).toEqual({ Action: "X", B: "1" });
    expect(() => collapsePairs([["B", "1"], ["B", "2"]])).toThrow(expect.objectContaining({ code: "InvalidParameterValue" }));
    // No prototype pollution through parameter names.
    expect(Object.getPrototypeOf(collapsePairs([["__proto__", "x"]]))).toBeNull();
  });
});
