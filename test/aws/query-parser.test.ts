import { describe, expect, it } from "vitest";
import { serviceModel } from "../../src/aws/model.ts";
import { parseQueryInput } from "../../src/aws/query-parser.ts";
import { awsErrorOf } from "./aws-error-of.ts";

describe("service model", () => {
  it("exposes version, namespace and resolved operations", () => {
    const model = serviceModel();
    expect(model.apiVersion).toBe("2015-02-02");
    expect(model.xmlNamespace).toBe("http://elasticache.amazonaws.com/doc/2015-02-02/");
    expect(model.operationNames).toContain("CreateReplicationGroup");
    const op = model.operation("CreateCacheSubnetGroup")!;
    expect(op.resultWrapper).toBe("CreateCacheSubnetGroupResult");
    expect(op.input!.required).toEqual(["CacheSubnetGroupName", "CacheSubnetGroupDescription", "SubnetIds"]);
    const subnetIds = op.input!.members["SubnetIds"]!;
    expect(subnetIds.type).toBe("list");
    expect(subnetIds.type === "list" && subnetIds.member.locationName).toBe("SubnetIdentifier");
    expect(model.operation("DeleteCacheSubnetGroup")!.output).toBeUndefined();
    // Output given as a shape reference plus resultWrapper.
    expect(model.operation("ListTagsForResource")!.output!.members["TagList"]!.type).toBe("list");
    expect(model.operation("describeReplicationGroups")).toBeUndefined();
  });
});

describe("parseQueryInput", () => {
  it("CreateCacheSubnetGroup: modeled list item names, `member`, Tags.Tag.N.Key", () => {
    const input = parseQueryInput("CreateCacheSubnetGroup", {
      CacheSubnetGroupName: "my-group",
      CacheSubnetGroupDescription: "a group",
      "SubnetIds.SubnetIdentifier.1": "subnet-1",
      "SubnetIds.SubnetIdentifier.2": "subnet-2",
      "Tags.Tag.1.Key": "env",
      "Tags.Tag.1.Value": "dev",
      "Tags.Tag.2.Key": "team",
      "Tags.Tag.2.Value": "",
    });
    expect(input).toEqual({
      CacheSubnetGroupName: "my-group",
      CacheSubnetGroupDescription: "a group",
      SubnetIds: ["subnet-1", "subnet-2"],
      Tags: [
        { Key: "env", Value: "dev" },
        { Key: "team", Value: "" },
      ],
    });
    expect(
      parseQueryInput("CreateCacheSubnetGroup", {
        CacheSubnetGroupName: "g",
        CacheSubnetGroupDescription: "d",
        "SubnetIds.member.1": "subnet-1",
      }).SubnetIds,
    ).toEqual(["subnet-1"]);
  });

  it("orders list items by index, not by parameter order", () => {
    const input = parseQueryInput("CreateCacheSubnetGroup", {
      "SubnetIds.SubnetIdentifier.10": "j",
      ...Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`SubnetIds.SubnetIdentifier.${i + 1}`, String.fromCharCode(97 + i)])),
      CacheSubnetGroupName: "g",
      CacheSubnetGroupDescription: "d",
    });
    expect(input.SubnetIds).toEqual(["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"]);
  });

  it("CreateReplicationGroup: AZ lists, NodeGroupConfiguration structures, integers, booleans", () => {
    const input = parseQueryInput("CreateReplicationGroup", {
      ReplicationGroupId: "rg",
      ReplicationGroupDescription: "desc",
      AutomaticFailoverEnabled: "true",
      MultiAZEnabled: "FALSE",
      NumCacheClusters: "3",
      Port: "6380",
      "PreferredCacheClusterAZs.AvailabilityZone.1": "us-east-1a",
      "PreferredCacheClusterAZs.AvailabilityZone.2": "us-east-1b",
      "NodeGroupConfiguration.NodeGroupConfiguration.1.NodeGroupId": "0001",
      "NodeGroupConfiguration.NodeGroupConfiguration.1.Slots": "0-8191",
      "NodeGroupConfiguration.NodeGroupConfiguration.1.ReplicaCount": "2",
      "NodeGroupConfiguration.NodeGroupConfiguration.1.ReplicaAvailabilityZones.AvailabilityZone.1": "us-east-1b",
      "NodeGroupConfiguration.NodeGroupConfiguration.2.Slots": "8192-16383",
      "UserGroupIds.member.1": "ug1",
      "SecurityGroupIds.SecurityGroupId.1": "sg-1",
    });
    expect(input).toEqual({
      ReplicationGroupId: "rg",
      ReplicationGroupDescription: "desc",
      AutomaticFailoverEnabled: true,
      MultiAZEnabled: false,
      NumCacheClusters: 3,
      Port: 6380,
      PreferredCacheClusterAZs: ["us-east-1a", "us-east-1b"],
      NodeGroupConfiguration: [
        { NodeGroupId: "0001", Slots: "0-8191", ReplicaCount: 2, ReplicaAvailabilityZones: ["us-east-1b"] },
        { Slots: "8192-16383" },
      ],
      UserGroupIds: ["ug1"],
      SecurityGroupIds: ["sg-1"],
    });
  });

  it("ModifyReplicationGroup: booleans are true/false in any case, nothing else", () => {
    expect(
      parseQueryInput("ModifyReplicationGroup", {
        ReplicationGroupId: "rg",
        ApplyImmediately: "True",
        AutomaticFailoverEnabled: "false",
        RemoveUserGroups: "TRUE",
      }),
    ).toEqual({ ReplicationGroupId: "rg", ApplyImmediately: true, AutomaticFailoverEnabled: false, RemoveUserGroups: true });
    const err = awsErrorOf(() => parseQueryInput("ModifyReplicationGroup", { ReplicationGroupId: "rg", ApplyImmediately: "yes" }));
    expect(err.code).toBe("InvalidParameterValue");
    expect(err.status).toBe(400);
    expect(err.message).toContain("ApplyImmediately");
  });

  it("an empty list sent as `Name=` is []", () => {
    const input = parseQueryInput("ModifyReplicationGroup", { ReplicationGroupId: "rg", UserGroupIdsToAdd: "" });
    expect(input.UserGroupIds).toBeUndefined();
    expect(input.UserGroupIdsToAdd).toEqual([]);
    expect(
      awsErrorOf(() => parseQueryInput("ModifyReplicationGroup", { ReplicationGroupId: "rg", UserGroupIdsToAdd: "x" })).code,
    ).toBe("InvalidParameterValue");
  });

  it("DescribeEvents: timestamps as ISO 8601 or epoch seconds, integers", () => {
    const input = parseQueryInput("DescribeEvents", {
      StartTime: "2026-01-01T00:00:00Z",
      EndTime: "2026-01-02T03:04:05.678+02:00",
      Duration: "60",
      MaxRecords: "20",
    });
    expect(input.StartTime).toEqual(new Date("2026-01-01T00:00:00.000Z"));
    expect(input.EndTime).toEqual(new Date("2026-01-02T01:04:05.678Z"));
    expect(input.Duration).toBe(60);
    // Without an offset AWS means UTC, not the server's local time.
    expect(parseQueryInput("DescribeEvents", { StartTime: "2026-01-01T10:00:00" }).StartTime).toEqual(
      new Date("2026-01-01T10:00:00Z"),
    );
    expect(parseQueryInput("DescribeEvents", { StartTime: "2026-01-01" }).StartTime).toEqual(new Date("2026-01-01T00:00:00Z"));
    expect(parseQueryInput("DescribeEvents", { StartTime: "1767225600" }).StartTime).toEqual(new Date("2026-01-01T00:00:00Z"));
    const err = awsErrorOf(() => parseQueryInput("DescribeEvents", { StartTime: "yesterday" }));
    expect(err.code).toBe("InvalidParameterValue");
    expect(err.message).toContain("StartTime");
  });

  it("rejects non-integers naming the parameter", () => {
    for (const bad of ["abc", "1.5", "", "1e3", "99999999999999999999"]) {
      const err = awsErrorOf(() => parseQueryInput("DescribeEvents", { MaxRecords: bad }));
      expect(err.code).toBe("InvalidParameterValue");
      expect(err.message).toContain("MaxRecords");
    }
    expect(parseQueryInput("DescribeEvents", { MaxRecords: "-5" }).MaxRecords).toBe(-5);
  });

  it("rejects unknown parameters, naming them", () => {
    const err = awsErrorOf(() => parseQueryInput("DeleteCacheSubnetGroup", { CacheSubnetGroupName: "g", NumCacheCluster: "2" }));
    expect(err.code).toBe("InvalidParameterValue");
    expect(err.message).toBe("Unknown parameter: NumCacheCluster");
    // A typo'd list item name is unknown too.
    expect(
      awsErrorOf(() =>
        parseQueryInput("CreateCacheSubnetGroup", {
          CacheSubnetGroupName: "g",
          CacheSubnetGroupDescription: "d",
          "SubnetIds.SubnetIdentifier.1": "s",
          "SubnetIds.SubnetId.2": "s",
        }),
      ).message,
    ).toBe("Unknown parameter: SubnetIds.SubnetId.2");
    // A member of a list item structure that does not exist.
    expect(
      awsErrorOf(() => parseQueryInput("ListTagsForResource", { ResourceName: "arn", "Tags.Tag.1.Key": "k" })).message,
    ).toBe("Unknown parameter: Tags.Tag.1.Key");
    expect(
      awsErrorOf(() =>
        parseQueryInput("AddTagsToResource", { ResourceName: "arn", "Tags.Tag.1.Key": "k", "Tags.Tag.1.Colour": "red" }),
      ).message,
    ).toBe("Unknown parameter: Tags.Tag.1.Colour");
  });

  it("missing required members -> MissingParameter, top-level and nested", () => {
    const top = awsErrorOf(() => parseQueryInput("CreateCacheSubnetGroup", { CacheSubnetGroupName: "g", CacheSubnetGroupDescription: "d" }));
    expect(top.code).toBe("MissingParameter");
    expect(top.message).toContain("SubnetIds");
    const nested = awsErrorOf(() =>
      parseQueryInput("IncreaseReplicaCount", {
        ReplicationGroupId: "rg",
        ApplyImmediately: "true",
        "ReplicaConfiguration.ConfigureShard.1.NodeGroupId": "0001",
      }),
    );
    expect(nested.code).toBe("MissingParameter");
    expect(nested.message).toContain("ReplicaConfiguration.ConfigureShard.1.NewReplicaCount");
    expect(
      parseQueryInput("IncreaseReplicaCount", {
        ReplicationGroupId: "rg",
        ApplyImmediately: "true",
        "ReplicaConfiguration.ConfigureShard.1.NodeGroupId": "0001",
        "ReplicaConfiguration.ConfigureShard.1.NewReplicaCount": "2",
        "ReplicaConfiguration.ConfigureShard.1.PreferredAvailabilityZones.PreferredAvailabilityZone.1": "us-east-1a",
      }).ReplicaConfiguration,
    ).toEqual([{ NodeGroupId: "0001", NewReplicaCount: 2, PreferredAvailabilityZones: ["us-east-1a"] }]);
  });

  it("rejects malformed list indexes: 0, non-numeric, leading zeros, gaps, double spelling", () => {
    const base = { CacheSubnetGroupName: "g", CacheSubnetGroupDescription: "d" };
    const cases: Record<string, string>[] = [
      { "SubnetIds.SubnetIdentifier.0": "s" },
      { "SubnetIds.SubnetIdentifier.x": "s" },
      { "SubnetIds.SubnetIdentifier.01": "s" },
      { "SubnetIds.SubnetIdentifier.": "s" },
      { "SubnetIds.SubnetIdentifier.1": "s", "SubnetIds.SubnetIdentifier.3": "s" },
      { "SubnetIds.SubnetIdentifier.2": "s" },
      { "SubnetIds.SubnetIdentifier.1": "s", "SubnetIds.member.1": "t" },
    ];
    for (const extra of cases) {
      const err = awsErrorOf(() => parseQueryInput("CreateCacheSubnetGroup", { ...base, ...extra }));
      expect(err.code, JSON.stringify(extra)).toBe("InvalidParameterValue");
      expect(err.message).toContain("SubnetIds");
    }
  });

  it("an operation without input members accepts nothing", () => {
    expect(parseQueryInput("DescribeCacheSubnetGroups", {})).toEqual({});
  });
});
