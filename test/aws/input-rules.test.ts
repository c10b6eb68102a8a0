/**
 * The input rules both protocols apply before an operation runs: an optional top-level member
 * given empty is not given (what Ansible sends), and text no reply could carry is refused with
 * InvalidParameterValue naming the field.
 */
import { describe, expect, it } from "vitest";
import { checkTexts, withoutEmptyOptionals } from "../../src/aws/input-rules.ts";
import { serviceModel } from "../../src/aws/model.ts";
import { parseQueryInput } from "../../src/aws/query-parser.ts";
import { awsErrorOf } from "./aws-error-of.ts";

const refusal = awsErrorOf;

const subnetGroup = { CacheSubnetGroupName: "g", CacheSubnetGroupDescription: "d", "SubnetIds.SubnetIdentifier.1": "subnet-1" };

describe("empty means unset", () => {
  it("drops optional string members given empty over the Query protocol", () => {
    const input = parseQueryInput("CreateCacheCluster", {
      CacheClusterId: "c1",
      EngineVersion: "",
      CacheParameterGroupName: "",
      CacheSubnetGroupName: "",
      PreferredMaintenanceWindow: "",
    });
    expect(input).toEqual({ CacheClusterId: "c1" });
  });

  it("still refuses an empty number or boolean", () => {
    expect(refusal(() => parseQueryInput("CreateCacheCluster", { CacheClusterId: "c1", NumCacheNodes: "" })).code).toBe("InvalidParameterValue");
    expect(refusal(() => parseQueryInput("CreateCacheCluster", { CacheClusterId: "c1", AutoMinorVersionUpgrade: "" })).code).toBe("InvalidParameterValue");
  });

  it("keeps required members and nested members given empty", () => {
    expect(parseQueryInput("CreateCacheSubnetGroup", { ...subnetGroup, CacheSubnetGroupName: "" }).CacheSubnetGroupName).toBe("");
    const tagged = parseQueryInput("AddTagsToResource", { ResourceName: "arn", "Tags.Tag.1.Key": "k", "Tags.Tag.1.Value": "" });
    expect(tagged.Tags).toEqual([{ Key: "k", Value: "" }]);
  });

  it("drops optional string members given empty in a JSON body, keeps the rest", () => {
    const shape = serviceModel().operation("CreateReplicationGroup")!.input;
    const body = { ReplicationGroupId: "", ReplicationGroupDescription: "d", EngineVersion: "", CacheParameterGroupName: "", CacheSubnetGroupName: "", Engine: "redis" };
    expect(withoutEmptyOptionals(shape, body)).toEqual({ ReplicationGroupId: "", ReplicationGroupDescription: "d", Engine: "redis" });
    const untouched = { ReplicationGroupId: "rg" };
    expect(withoutEmptyOptionals(shape, untouched)).toBe(untouched);
  });
});

describe("text that cannot be stored or returned", () => {
  it("refuses C0 control characters in Query parameters, naming the parameter", () => {
    const error = refusal(() => parseQueryInput("CreateCacheSubnetGroup", { ...subnetGroup, CacheSubnetGroupDescription: "bell\u0007" }));
    expect(error.code).toBe("InvalidParameterValue");
    expect(error.status).toBe(400);
    expect(error.message).toContain("CacheSubnetGroupDescription");
    expect(error.message).toContain("U+0007");
    expect(refusal(() => parseQueryInput("AddTagsToResource", { ResourceName: "arn", "Tags.Tag.1.Key": "k", "Tags.Tag.1.Value": "\u0000" })).message).toContain(
      "Tags.Tag.1.Value",
    );
    expect(refusal(() => parseQueryInput("CreateCacheSubnetGroup", { ...subnetGroup, CacheSubnetGroupDescription: "\uFFFF" })).code).toBe(
      "InvalidParameterValue",
    );
  });

  it("accepts tabs, line breaks and any well-formed Unicode", () => {
    const text = "line one\r\nline two\ttabbed — ünïcödé 😀 \u0085";
    expect(parseQueryInput("CreateCacheSubnetGroup", { ...subnetGroup, CacheSubnetGroupDescription: text }).CacheSubnetGroupDescription).toBe(text);
    expect(() => checkTexts({ CacheSubnetGroupDescription: text, Tags: [{ Key: "😀", Value: "" }] })).not.toThrow();
  });

  it("refuses lone surrogates and control characters anywhere in a JSON input, naming the field", () => {
    const high = refusal(() => checkTexts({ Tags: [{ Key: "k", Value: "ok" }, { Key: "k2", Value: "x\ud800" }] }));
    expect(high.code).toBe("InvalidParameterValue");
    expect(high.message).toContain("Tags[2].Value");
    expect(high.message).toContain("U+D800");
    expect(refusal(() => checkTexts({ Description: "\udc00x" })).message).toContain("Description");
    expect(refusal(() => checkTexts({ SubnetIds: ["subnet-1", "\u001b[31m"] })).message).toContain("SubnetIds[2]");
    expect(refusal(() => checkTexts({ "bad\u0001key": 1 })).code).toBe("InvalidParameterValue");
  });
});
