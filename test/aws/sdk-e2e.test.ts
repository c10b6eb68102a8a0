/**
 * The real clients against the plugin: the JavaScript SDK v3 (strict about modeled element names)
 * and the AWS CLI v2 (botocore).
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { promisify } from "node:util";
import {
  CacheSubnetGroupNotFoundFault,
  CreateCacheSubnetGroupCommand,
  DeleteCacheSubnetGroupCommand,
  DescribeEventsCommand,
  DescribeReplicationGroupsCommand,
  ElastiCacheClient,
  ElastiCacheServiceException,
  ListTagsForResourceCommand,
  ModifyReplicationGroupCommand,
} from "@aws-sdk/client-elasticache";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CREATED, startTestServer, type TestServer } from "./helpers.ts";

const run = promisify(execFile);

let server: TestServer;
let client: ElastiCacheClient;
beforeAll(async () => {
  server = await startTestServer();
  client = new ElastiCacheClient({
    endpoint: server.url,
    region: "us-east-1",
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
    maxAttempts: 1,
  });
});
afterAll(async () => {
  client?.destroy();
  await server?.close();
});

describe("@aws-sdk/client-elasticache", () => {
  it("CreateCacheSubnetGroup: lists and tags serialized by the SDK parse, Subnets come back", async () => {
    const out = await client.send(
      new CreateCacheSubnetGroupCommand({
        CacheSubnetGroupName: "sdk-group",
        CacheSubnetGroupDescription: "made by the SDK & friends",
        SubnetIds: ["subnet-1", "subnet-2"],
        Tags: [
          { Key: "env", Value: "dev" },
          { Key: "owner", Value: "me" },
        ],
      }),
    );
    expect(server.inputs.CreateCacheSubnetGroup).toEqual({
      CacheSubnetGroupName: "sdk-group",
      CacheSubnetGroupDescription: "made by the SDK & friends",
      SubnetIds: ["subnet-1", "subnet-2"],
      Tags: [
        { Key: "env", Value: "dev" },
        { Key: "owner", Value: "me" },
      ],
    });
    expect(server.regions.CreateCacheSubnetGroup).toBe("us-east-1"); // from the SigV4 credential scope
    const group = out.CacheSubnetGroup!;
    expect(group.CacheSubnetGroupDescription).toBe("made by the SDK & friends");
    expect(group.Subnets).toEqual([
      { SubnetIdentifier: "subnet-1", SubnetAvailabilityZone: { Name: "us-east-1a" }, SupportedNetworkTypes: ["ipv4"] },
      { SubnetIdentifier: "subnet-2", SubnetAvailabilityZone: { Name: "us-east-1a" }, SupportedNetworkTypes: ["ipv4"] },
    ]);
    expect(group.SupportedNetworkTypes).toEqual(["ipv4"]);
    expect(out.$metadata.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("DescribeReplicationGroups: MemberClusters, NodeGroups, booleans and dates", async () => {
    const out = await client.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: "my-rg", MaxRecords: 20 }));
    expect(server.inputs.DescribeReplicationGroups).toEqual({ ReplicationGroupId: "my-rg", MaxRecords: 20 });
    const [group] = out.ReplicationGroups!;
    expect(group!.MemberClusters).toEqual(["my-rg-001", "my-rg-002"]);
    expect(group!.NodeGroups![0]!.NodeGroupMembers!.map((m) => m.CurrentRole)).toEqual(["primary", "replica"]);
    expect(group!.NodeGroups![0]!.PrimaryEndpoint).toEqual({ Address: "127.0.0.1", Port: 6379 });
    expect(group!.ClusterEnabled).toBe(false);
    expect(group!.SnapshotRetentionLimit).toBe(0);
    expect(group!.ReplicationGroupCreateTime).toEqual(CREATED);
  });

  it("ListTagsForResource: TagList", async () => {
    const out = await client.send(new ListTagsForResourceCommand({ ResourceName: "arn:aws:elasticache:us-east-1:0:replicationgroup:my-rg" }));
    expect(out.TagList).toEqual([
      { Key: "env", Value: "dev" },
      { Key: "team", Value: "cache & co" },
    ]);
  });

  it("DescribeEvents: timestamps both ways", async () => {
    const start = new Date("2025-12-31T23:00:00.000Z");
    const out = await client.send(new DescribeEventsCommand({ StartTime: start, Duration: 60 }));
    expect(server.inputs.DescribeEvents).toEqual({ StartTime: start, Duration: 60 });
    expect(out.Events![0]!.Date).toEqual(CREATED);
  });

  it("a modeled AwsError arrives as the SDK's exception", async () => {
    const err = await client.send(new DeleteCacheSubnetGroupCommand({ CacheSubnetGroupName: "missing" })).catch((e) => e);
    expect(err).toBeInstanceOf(CacheSubnetGroupNotFoundFault);
    expect(err.name).toBe("CacheSubnetGroupNotFoundFault");
    expect(err.Code).toBe("CacheSubnetGroupNotFoundFault");
    expect(err.Type).toBe("Sender");
    expect(err.$fault).toBe("client");
    expect(err.message).toBe("CacheSubnetGroup missing not found.");
    expect(err.$metadata.httpStatusCode).toBe(400);
    expect(err.$metadata.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("operations without output succeed", async () => {
    const out = await client.send(new DeleteCacheSubnetGroupCommand({ CacheSubnetGroupName: "exists" }));
    expect(out.$metadata.httpStatusCode).toBe(200);
  });

  it("an internal failure is a 500 InternalFailure service exception", async () => {
    const err = await client
      .send(new ModifyReplicationGroupCommand({ ReplicationGroupId: "my-rg", ApplyImmediately: true, UserGroupIdsToAdd: [] }))
      .catch((e) => e);
    expect(server.inputs.ModifyReplicationGroup).toEqual({ ReplicationGroupId: "my-rg", ApplyImmediately: true, UserGroupIdsToAdd: [] });
    expect(err).toBeInstanceOf(ElastiCacheServiceException);
    expect(err.name).toBe("InternalFailure");
    expect(err.$metadata.httpStatusCode).toBe(500);
  });
});

const CLI = "/usr/bin/aws";

describe.skipIf(!existsSync(CLI))("AWS CLI v2", () => {
  /** Runs the CLI with throwaway credentials and no user configuration. */
  async function aws(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    const env = {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: process.env.HOME ?? "/tmp",
      AWS_ACCESS_KEY_ID: "test",
      AWS_SECRET_ACCESS_KEY: "test",
      AWS_CONFIG_FILE: "/nonexistent/aws-config",
      AWS_SHARED_CREDENTIALS_FILE: "/nonexistent/aws-credentials",
      AWS_EC2_METADATA_DISABLED: "true",
      AWS_PAGER: "",
      AWS_MAX_ATTEMPTS: "1",
    };
    const common = ["--endpoint-url", server.url, "--region", "us-east-1", "--output", "json"];
    try {
      const { stdout, stderr } = await run(CLI, [...common, ...args], { env, timeout: 60_000 });
      return { code: 0, stdout, stderr };
    } catch (err) {
      const e = err as { code?: number; stdout?: string; stderr?: string };
      return { code: e.code ?? -1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
    }
  }

  it("describe-replication-groups", async () => {
    const r = await aws("elasticache", "describe-replication-groups");
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.ReplicationGroups).toHaveLength(1);
    const group = out.ReplicationGroups[0];
    expect(group.ReplicationGroupId).toBe("my-rg");
    expect(group.MemberClusters).toEqual(["my-rg-001", "my-rg-002"]);
    expect(group.NodeGroups[0].NodeGroupMembers).toHaveLength(2);
    expect(group.ClusterEnabled).toBe(false);
    expect(new Date(group.ReplicationGroupCreateTime).getTime()).toBe(CREATED.getTime());
  });

  it("create-cache-subnet-group with list and tag arguments", async () => {
    const r = await aws(
      "elasticache",
      "create-cache-subnet-group",
      "--cache-subnet-group-name",
      "cli-group",
      "--cache-subnet-group-description",
      "from the cli",
      "--subnet-ids",
      "subnet-a",
      "subnet-b",
      "--tags",
      "Key=env,Value=cli",
    );
    expect(r.code, r.stderr).toBe(0);
    expect(server.inputs.CreateCacheSubnetGroup).toEqual({
      CacheSubnetGroupName: "cli-group",
      CacheSubnetGroupDescription: "from the cli",
      SubnetIds: ["subnet-a", "subnet-b"],
      Tags: [{ Key: "env", Value: "cli" }],
    });
    expect(JSON.parse(r.stdout).CacheSubnetGroup.Subnets.map((s: { SubnetIdentifier: string }) => s.SubnetIdentifier)).toEqual([
      "subnet-a",
      "subnet-b",
    ]);
  });

  it("a modeled error is reported with its code", async () => {
    const r = await aws("elasticache", "delete-cache-subnet-group", "--cache-subnet-group-name", "missing");
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("CacheSubnetGroupNotFoundFault");
    expect(r.stderr).toContain("CacheSubnetGroup missing not found.");
  });
});
