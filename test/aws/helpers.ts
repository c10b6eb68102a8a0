/**
 * A Fastify app with the Query protocol plugin and a tiny in-test registry, listening on
 * 127.0.0.1:0, shared by the end-to-end tests.
 */
import { randomUUID } from "node:crypto";
import Fastify, { type FastifyInstance } from "fastify";
import { AwsError } from "../../src/aws/errors.ts";
import type { OperationInput, OperationRegistry } from "../../src/aws/operations.ts";
import { queryProtocol, type QueryRequestContext } from "../../src/aws/query-plugin.ts";

export interface TestServer {
  app: FastifyInstance;
  url: string;
  /** Inputs the handlers received, by operation name (last call wins). */
  inputs: Record<string, OperationInput>;
  /** Regions the handlers saw in ctx, by operation name. */
  regions: Record<string, string>;
  close(): Promise<void>;
}

export const CREATED = new Date("2026-01-01T00:00:00.000Z");

export async function startTestServer(opts: { bodyLimit?: number } = {}): Promise<TestServer> {
  const inputs: Record<string, OperationInput> = {};
  const regions: Record<string, string> = {};
  const record = (op: string, input: OperationInput, ctx: unknown) => {
    inputs[op] = input;
    regions[op] = (ctx as QueryRequestContext).region;
  };

  const operations: OperationRegistry = {
    async CreateCacheSubnetGroup(input, ctx) {
      record("CreateCacheSubnetGroup", input, ctx);
      const region = (ctx as QueryRequestContext).region;
      return {
        CacheSubnetGroup: {
          CacheSubnetGroupName: input.CacheSubnetGroupName,
          CacheSubnetGroupDescription: input.CacheSubnetGroupDescription,
          VpcId: "vpc-local",
          Subnets: (input.SubnetIds as string[]).map((id) => ({
            SubnetIdentifier: id,
            SubnetAvailabilityZone: { Name: `${region}a` },
            SupportedNetworkTypes: ["ipv4"],
          })),
          ARN: `arn:aws:elasticache:${region}:000000000000:subnetgroup:${input.CacheSubnetGroupName}`,
          SupportedNetworkTypes: ["ipv4"],
        },
      };
    },
    async DescribeReplicationGroups(input, ctx) {
      record("DescribeReplicationGroups", input, ctx);
      return {
        ReplicationGroups: [
          {
            ReplicationGroupId: "my-rg",
            Description: "test group",
            Status: "available",
            MemberClusters: ["my-rg-001", "my-rg-002"],
            NodeGroups: [
              {
                NodeGroupId: "0001",
                Status: "available",
                PrimaryEndpoint: { Address: "127.0.0.1", Port: 6379 },
                ReaderEndpoint: { Address: "127.0.0.1", Port: 6380 },
                NodeGroupMembers: [
                  { CacheClusterId: "my-rg-001", CacheNodeId: "0001", CurrentRole: "primary" },
                  { CacheClusterId: "my-rg-002", CacheNodeId: "0001", CurrentRole: "replica" },
                ],
              },
            ],
            AutomaticFailover: "enabled",
            MultiAZ: "disabled",
            ClusterEnabled: false,
            CacheNodeType: "cache.t3.micro",
            SnapshotRetentionLimit: 0,
            AuthTokenEnabled: false,
            TransitEncryptionEnabled: false,
            AtRestEncryptionEnabled: false,
            ReplicationGroupCreateTime: CREATED,
            ARN: "arn:aws:elasticache:us-east-1:000000000000:replicationgroup:my-rg",
          },
        ],
      };
    },
    async DeleteCacheSubnetGroup(input, ctx) {
      record("DeleteCacheSubnetGroup", input, ctx);
      if (input.CacheSubnetGroupName !== "exists") {
        throw new AwsError("CacheSubnetGroupNotFoundFault", `CacheSubnetGroup ${String(input.CacheSubnetGroupName)} not found.`);
      }
    },
    async ListTagsForResource(input, ctx) {
      record("ListTagsForResource", input, ctx);
      return { TagList: [{ Key: "env", Value: "dev" }, { Key: "team", Value: "cache & co" }] };
    },
    async DescribeEvents(input, ctx) {
      record("DescribeEvents", input, ctx);
      return {
        Events: [
          { SourceIdentifier: "my-rg", SourceType: "replication-group", Message: "Replication group my-rg created", Date: CREATED },
        ],
      };
    },
    async ModifyReplicationGroup(input, ctx) {
      record("ModifyReplicationGroup", input, ctx);
      throw new Error("database is on fire");
    },
  };

  const app = Fastify({ logger: false, genReqId: () => randomUUID() });
  await app.register(queryProtocol, { operations, ...(opts.bodyLimit !== undefined && { bodyLimit: opts.bodyLimit }) });
  await app.listen({ host: "127.0.0.1", port: 0 });
  const address = app.server.address();
  if (address === null || typeof address === "string") throw new Error("unexpected server address");
  return { app, url: `http://127.0.0.1:${address.port}`, inputs, regions, close: () => app.close() };
}
