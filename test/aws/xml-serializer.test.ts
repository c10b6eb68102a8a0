import { XMLParser } from "fast-xml-parser";
import { describe, expect, it } from "vitest";
import { AwsError } from "../../src/aws/errors.ts";
import { serviceModel, type Shape } from "../../src/aws/model.ts";
import { escapeXml, serializeQueryError, serializeQueryResult, serializeQueryResultByWalk } from "../../src/aws/xml-serializer.ts";

const NS = "http://elasticache.amazonaws.com/doc/2015-02-02/";
// Keep every value a string, as the SDKs do before applying the shape.
// Same options as the JavaScript SDK v3's XML body parser.
const parser = new XMLParser({ ignoreAttributes: false, parseTagValue: false, trimValues: false, htmlEntities: true });

describe("serializeQueryResult", () => {
  it("DescribeReplicationGroups: modeled list element names all the way down", () => {
    const xml = serializeQueryResult(
      "DescribeReplicationGroups",
      {
        ReplicationGroups: [
          {
            ReplicationGroupId: "rg",
            Status: "available",
            MemberClusters: ["rg-001", "rg-002"],
            NodeGroups: [
              {
                NodeGroupId: "0001",
                PrimaryEndpoint: { Address: "127.0.0.1", Port: 6379 },
                NodeGroupMembers: [
                  { CacheClusterId: "rg-001", CacheNodeId: "0001", CurrentRole: "primary" },
                  { CacheClusterId: "rg-002", CacheNodeId: "0001", CurrentRole: "replica" },
                ],
              },
            ],
            UserGroupIds: ["ug"],
            ClusterEnabled: false,
            AuthTokenEnabled: true,
            SnapshotRetentionLimit: 0,
            ReplicationGroupCreateTime: new Date("2026-01-01T00:00:00Z"),
            Description: undefined,
            KmsKeyId: null,
            NotInTheModel: "ignored",
          },
        ],
        Marker: "next",
      },
      "req-1",
    );
    expect(xml.startsWith(`<DescribeReplicationGroupsResponse xmlns="${NS}"><DescribeReplicationGroupsResult>`)).toBe(true);
    expect(xml.endsWith(
      "</DescribeReplicationGroupsResult><ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata></DescribeReplicationGroupsResponse>",
    )).toBe(true);
    expect(xml).toContain("<MemberClusters><ClusterId>rg-001</ClusterId><ClusterId>rg-002</ClusterId></MemberClusters>");
    expect(xml).toContain("<NodeGroups><NodeGroup><NodeGroupId>0001</NodeGroupId>");
    expect(xml).toContain(
      "<NodeGroupMembers><NodeGroupMember><CacheClusterId>rg-001</CacheClusterId><CacheNodeId>0001</CacheNodeId><CurrentRole>primary</CurrentRole></NodeGroupMember>",
    );
    expect(xml).toContain("<PrimaryEndpoint><Address>127.0.0.1</Address><Port>6379</Port></PrimaryEndpoint>");
    expect(xml).toContain("<UserGroupIds><member>ug</member></UserGroupIds>");
    expect(xml).toContain("<ClusterEnabled>false</ClusterEnabled>");
    expect(xml).toContain("<AuthTokenEnabled>true</AuthTokenEnabled>");
    expect(xml).toContain("<SnapshotRetentionLimit>0</SnapshotRetentionLimit>");
    expect(xml).toContain("<ReplicationGroupCreateTime>2026-01-01T00:00:00.000Z</ReplicationGroupCreateTime>");
    expect(xml).not.toContain("Description");
    expect(xml).not.toContain("KmsKeyId");
    expect(xml).not.toContain("NotInTheModel");
    // Members follow the model's order, whatever the object's key order.
    expect(xml).toContain("<DescribeReplicationGroupsResult><Marker>next</Marker><ReplicationGroups>");

    const doc = parser.parse(xml);
    const group = doc.DescribeReplicationGroupsResponse.DescribeReplicationGroupsResult.ReplicationGroups.ReplicationGroup;
    expect(group.MemberClusters.ClusterId).toEqual(["rg-001", "rg-002"]);
  });

  it("empty lists become empty wrapper elements", () => {
    const xml = serializeQueryResult("DescribeReplicationGroups", { ReplicationGroups: [] }, "r");
    expect(xml).toContain("<DescribeReplicationGroupsResult><ReplicationGroups/></DescribeReplicationGroupsResult>");
  });

  it("CreateCacheSubnetGroup: Subnets/Subnet with nested structures and `member` lists", () => {
    const xml = serializeQueryResult(
      "CreateCacheSubnetGroup",
      {
        CacheSubnetGroup: {
          CacheSubnetGroupName: "g",
          CacheSubnetGroupDescription: "Tom & Jerry <3 \"quotes\" 'single'\r\nline",
          VpcId: "vpc-1",
          Subnets: [
            { SubnetIdentifier: "subnet-1", SubnetAvailabilityZone: { Name: "us-east-1a" }, SupportedNetworkTypes: ["ipv4"] },
          ],
          ARN: "arn:aws:elasticache:us-east-1:000000000000:subnetgroup:g",
        },
      },
      "r",
    );
    expect(xml).toContain(
      "<Subnets><Subnet><SubnetIdentifier>subnet-1</SubnetIdentifier><SubnetAvailabilityZone><Name>us-east-1a</Name></SubnetAvailabilityZone><SupportedNetworkTypes><member>ipv4</member></SupportedNetworkTypes></Subnet></Subnets>",
    );
    expect(xml).toContain(
      "<CacheSubnetGroupDescription>Tom &amp; Jerry &lt;3 &quot;quotes&quot; &apos;single&apos;&#xD;\nline</CacheSubnetGroupDescription>",
    );
    const doc = parser.parse(xml);
    expect(doc.CreateCacheSubnetGroupResponse.CreateCacheSubnetGroupResult.CacheSubnetGroup.CacheSubnetGroupDescription).toBe(
      "Tom & Jerry <3 \"quotes\" 'single'\r\nline",
    );
  });

  it("ListTagsForResource: TagList/Tag", () => {
    const xml = serializeQueryResult("ListTagsForResource", { TagList: [{ Key: "env", Value: "dev" }] }, "r");
    expect(xml).toContain(
      "<ListTagsForResourceResult><TagList><Tag><Key>env</Key><Value>dev</Value></Tag></TagList></ListTagsForResourceResult>",
    );
  });

  it("DescribeEvents: Events/Event with ISO 8601 timestamps with milliseconds", () => {
    const xml = serializeQueryResult(
      "DescribeEvents",
      {
        Events: [
          { SourceIdentifier: "rg", SourceType: "replication-group", Message: "created", Date: new Date(Date.UTC(2026, 0, 1)) },
          { SourceIdentifier: "rg-001", SourceType: "cache-cluster", Message: "x", Date: "2026-01-01T00:00:01.5Z" },
          { SourceIdentifier: "rg-002", SourceType: "cache-cluster", Message: "y", Date: Date.UTC(2026, 0, 1, 0, 0, 2) },
        ],
      },
      "r",
    );
    expect(xml).toContain(
      "<Events><Event><SourceIdentifier>rg</SourceIdentifier><SourceType>replication-group</SourceType><Message>created</Message><Date>2026-01-01T00:00:00.000Z</Date></Event>",
    );
    expect(xml).toContain("<Date>2026-01-01T00:00:01.500Z</Date>");
    expect(xml).toContain("<Date>2026-01-01T00:00:02.000Z</Date>");
  });

  it("DeleteCacheSubnetGroup has no output: only ResponseMetadata", () => {
    expect(serializeQueryResult("DeleteCacheSubnetGroup", undefined, "req-2")).toBe(
      `<DeleteCacheSubnetGroupResponse xmlns="${NS}"><ResponseMetadata><RequestId>req-2</RequestId></ResponseMetadata></DeleteCacheSubnetGroupResponse>`,
    );
  });

  it("an operation with output but a handler returning nothing gets an empty Result", () => {
    expect(serializeQueryResult("DescribeCacheSubnetGroups", undefined, "r")).toContain("<DescribeCacheSubnetGroupsResult/>");
  });

  it("output contradicting the shape is a plain Error (a handler bug, rendered as 500)", () => {
    expect(() => serializeQueryResult("DescribeReplicationGroups", { ReplicationGroups: "nope" }, "r")).toThrow(/list is expected/);
    expect(() => serializeQueryResult("DescribeEvents", { Events: [{ Date: "not a date" }] }, "r")).toThrow(/date is expected/);
    expect(() =>
      serializeQueryResult("DescribeReplicationGroups", { ReplicationGroups: [{ ClusterEnabled: "yes" }] }, "r"),
    ).toThrow(/boolean is expected/);
    expect(() => serializeQueryResult("DescribeReplicationGroups", { ReplicationGroups: [{ Status: {} }] }, "r")).toThrow(
      /string is expected/,
    );
  });
});

/**
 * A value of every member of `shape`, down to `depth` levels: lists of two, maps of two, texts
 * that need escaping, empty texts, every scalar type; `variant` varies which members are left out.
 */
function sampleOf(shape: Shape, depth: number, variant: number): unknown {
  switch (shape.type) {
    case "structure": {
      if (depth === 0) return {};
      const out: Record<string, unknown> = {};
      Object.entries(shape.members).forEach(([name, member], index) => {
        if ((index + variant) % 3 !== 0) out[name] = sampleOf(member, depth - 1, variant + index);
      });
      return out;
    }
    case "list":
      return depth === 0 ? [] : [sampleOf(shape.member, depth - 1, variant), null, sampleOf(shape.member, depth - 1, variant + 1)];
    case "map":
      return depth === 0 ? {} : { a: sampleOf(shape.value, depth - 1, variant), "b&<": sampleOf(shape.value, depth - 1, variant + 1) };
    case "boolean":
      return variant % 2 === 0;
    case "timestamp":
      return variant % 2 === 0 ? new Date(Date.UTC(2026, 0, 1, 0, 0, variant)) : "2026-02-03T04:05:06Z";
    case "integer":
    case "long":
    case "double":
    case "float":
      return variant % 2 === 0 ? variant : variant + 0.5;
    default:
      return ["plain", "", `a & b < c > "d" 'e'\r\u0001`, "ünïcødé"][variant % 4];
  }
}

describe("compiled writers", () => {
  it("write what the shape walk writes, for every output shape of the model", () => {
    const model = serviceModel();
    let compared = 0;
    for (const name of model.operationNames) {
      const output = model.operation(name)?.output;
      if (!output) continue;
      for (let variant = 0; variant < 4; variant++) {
        const value = sampleOf(output, 6, variant) as Record<string, unknown>;
        expect(serializeQueryResult(name, value, "r"), name).toBe(serializeQueryResultByWalk(name, value, "r"));
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(100);
  });
});

describe("serializeQueryError", () => {
  it("renders ErrorResponse with Type, Code, Message and RequestId", () => {
    const err = new AwsError("CacheSubnetGroupNotFoundFault", "CacheSubnetGroup <x> not found.");
    expect(serializeQueryError(err, "req-3")).toBe(
      `<ErrorResponse xmlns="${NS}"><Error><Type>Sender</Type><Code>CacheSubnetGroupNotFoundFault</Code>` +
        `<Message>CacheSubnetGroup &lt;x&gt; not found.</Message></Error><RequestId>req-3</RequestId></ErrorResponse>`,
    );
    expect(serializeQueryError(new AwsError("InternalFailure", "boom", 500), "r")).toContain("<Type>Receiver</Type>");
  });
});

describe("escapeXml", () => {
  it("drops characters XML 1.0 cannot carry", () => {
    expect(escapeXml("a\u0000b\u0007c\td\ne")).toBe("abc\td\ne");
  });
});
