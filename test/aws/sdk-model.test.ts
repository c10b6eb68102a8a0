/**
 * The service model comes from @aws-sdk/client-elasticache's schemas: its metadata matches an SDK
 * client's own protocol settings, modeled errors carry the model's statuses, and members the old
 * frozen model lacked (Engine on a replication group, Durability, ...) reach the JavaScript SDK.
 */
import { randomUUID } from "node:crypto";
import { createRequire } from "node:module";
import { DescribeReplicationGroupsCommand, ElastiCacheClient, type ReplicationGroup } from "@aws-sdk/client-elasticache";
import Fastify from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AwsError, statusOf } from "../../src/aws/errors.ts";
import { serviceModel } from "../../src/aws/model.ts";
import { queryProtocol } from "../../src/aws/query-plugin.ts";
import type { TypedOperations } from "../../src/aws/operations.ts";

const client = new ElastiCacheClient({ region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" }, maxAttempts: 1 });

describe("the model read from the SDK's schemas", () => {
  it("has the SDK's API version, XML namespace and package version", () => {
    const settings = client.config.protocolSettings as { xmlNamespace: string; version: string };
    const model = serviceModel();
    expect(model.apiVersion).toBe(settings.version);
    expect(model.xmlNamespace).toBe(settings.xmlNamespace);
    const { version } = createRequire(import.meta.url)("@aws-sdk/client-elasticache/package.json") as { version: string };
    expect(model.source).toBe(`@aws-sdk/client-elasticache@${version}`);
    expect(model.operationNames.length).toBeGreaterThanOrEqual(75);
  });

  it("takes error statuses from the modeled error shapes, generic codes from the protocol", () => {
    expect(statusOf("CacheSubnetGroupNotFoundFault")).toBe(400);
    expect(statusOf("ReplicationGroupNotFoundFault")).toBe(404);
    expect(statusOf("CacheClusterNotFound")).toBe(404);
    expect(statusOf("TagNotFound")).toBe(404);
    expect(statusOf("UserNotFound")).toBe(404);
    expect(statusOf("InvalidParameterValue")).toBe(400);
    expect(statusOf("InternalFailure")).toBe(500);
    expect(statusOf("AccessDenied")).toBe(403);
    expect(new AwsError("ServiceUnavailable", "busy").type).toBe("Receiver");
  });

  it("keeps the integer/number distinction the schemas fold into one numeric kind", () => {
    const model = serviceModel();
    const group = model.operation("CreateReplicationGroup")!.input!;
    expect(group.members["NumCacheClusters"]!.type).toBe("integer");
    const offerings = model.operation("DescribeReservedCacheNodesOfferings")!.output!.members["ReservedCacheNodesOfferings"]!;
    expect(offerings.type === "list" && offerings.member.type === "structure" && offerings.member.members["FixedPrice"]!.type).toBe("double");
  });
});

/** Members the aws-sdk v2 model lacked (Engine, LogDeliveryConfigurations...) beside old ones. */
const GROUP: ReplicationGroup = {
  ReplicationGroupId: "rg",
  Engine: "valkey",
  SnapshotWindow: "05:00-06:00",
  UserGroupIds: ["ug-1"],
  LogDeliveryConfigurations: [{ LogType: "slow-log", Status: "active" }],
  NetworkType: "ipv4",
  ClusterMode: "disabled",
  MemberClusters: ["rg-001"],
};

describe("members of the current model reach the JavaScript SDK", () => {
  const app = Fastify({ logger: false, genReqId: () => randomUUID() });
  let sdk: ElastiCacheClient;
  beforeAll(async () => {
    const operations: TypedOperations = {
      DescribeReplicationGroups: async () => ({
        ReplicationGroups: [GROUP],
      }),
    };
    await app.register(queryProtocol, { operations });
    await app.listen({ host: "127.0.0.1", port: 0 });
    const { port } = app.server.address() as { port: number };
    sdk = new ElastiCacheClient({ endpoint: `http://127.0.0.1:${port}`, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" }, maxAttempts: 1 });
  });
  afterAll(async () => {
    sdk?.destroy();
    client.destroy();
    await app.close();
  });

  it("Engine, SnapshotWindow, UserGroupIds and LogDeliveryConfigurations on a replication group", async () => {
    const { ReplicationGroups } = await sdk.send(new DescribeReplicationGroupsCommand({}));
    expect(ReplicationGroups).toEqual([GROUP]);
  });
});
