/**
 * The SDK shim (from source) against a real server, with the real @aws-sdk/client-elasticache on
 * the Query endpoint as the oracle: the same failures give exceptions of the same class, name,
 * fault, code and status; waiters and paginators behave as the AWS SDK's do.
 */
import * as aws from "@aws-sdk/client-elasticache";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as shim from "../../src/sdk/index.ts";
import { startServer, type RunningServer } from "../helpers/server.ts";

let server: RunningServer;
let awsClient: aws.ElastiCacheClient;
let shimClient: shim.ElastiCacheClient;

beforeAll(async () => {
  server = await startServer({ env: { ECL_RUNTIME: "process" } });
  awsClient = new aws.ElastiCacheClient({
    endpoint: server.url,
    region: "us-east-1",
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
    maxAttempts: 1,
  });
  shimClient = new shim.ElastiCacheClient({ endpoint: server.url });
});
afterAll(async () => {
  awsClient?.destroy();
  await server?.cleanup();
});

async function rejection(promise: Promise<unknown>): Promise<any> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected the call to fail");
}

/** What a caller can see of an exception, apart from the request id. */
function visible(error: any) {
  return {
    class: error.constructor,
    name: error.name,
    message: error.message,
    $fault: error.$fault,
    status: error.$metadata?.httpStatusCode,
    Code: error.Code,
    Type: error.Type,
    Error: error.Error,
  };
}

describe("exceptions are the AWS SDK's", () => {
  const cases: [string, string, Record<string, unknown>, string][] = [
    ["a group that does not exist", "DescribeReplicationGroups", { ReplicationGroupId: "nope" }, "ReplicationGroupNotFoundFault"],
    ["a cluster that does not exist (code CacheClusterNotFound)", "DescribeCacheClusters", { CacheClusterId: "nope" }, "CacheClusterNotFoundFault"],
    ["a bad value (code InvalidParameterValue)", "DescribeEvents", { SourceType: "replication-group", Duration: -1 }, "InvalidParameterValueException"],
    ["a duplicate", "CreateCacheSubnetGroup", { CacheSubnetGroupName: "default", CacheSubnetGroupDescription: "d", SubnetIds: ["subnet-12345678"] }, "CacheSubnetGroupAlreadyExistsFault"],
  ];

  it.each(cases)("%s", async (_, operation, input, className) => {
    const command = `${operation}Command` as const;
    const fromAws = await rejection(awsClient.send(new (aws as any)[command](input)));
    const fromShim = await rejection(shimClient.send(new (shim as any)[command](input)));
    expect(fromShim).toBeInstanceOf((aws as any)[className]);
    expect(fromShim).toBeInstanceOf(aws.ElastiCacheServiceException);
    expect((shim as any)[className]).toBe((aws as any)[className]);
    expect(visible(fromShim)).toEqual(visible(fromAws));
    expect(fromShim.$metadata.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("a code the AWS SDK has no class for is its base exception named after the code", async () => {
    const error = await rejection(shimClient.send(new shim.AddTagsToResourceCommand({ ResourceName: "arn:aws:elasticache:us-east-1:000000000000:subnetgroup:default", Tags: undefined as never })));
    expect(error.constructor).toBe(aws.ElastiCacheServiceException);
    expect(error).toMatchObject({ name: "MissingParameter", Code: "MissingParameter", Type: "Sender", $fault: "client", $metadata: { httpStatusCode: 400 } });
  });
});

describe("paginators", () => {
  it("walk every page with Marker, as the AWS SDK's do", async () => {
    for (let i = 0; i < 21; i++) {
      await shimClient.send(new shim.CreateCacheSubnetGroupCommand({ CacheSubnetGroupName: `page-${i}`, CacheSubnetGroupDescription: "paging", SubnetIds: ["subnet-12345678"] }));
    }
    const names = async (pages: AsyncIterable<{ CacheSubnetGroups?: { CacheSubnetGroupName?: string }[] }>) => {
      const sizes: number[] = [];
      const all: (string | undefined)[] = [];
      for await (const page of pages) {
        sizes.push(page.CacheSubnetGroups?.length ?? 0);
        all.push(...(page.CacheSubnetGroups ?? []).map((group) => group.CacheSubnetGroupName));
      }
      return { sizes, all };
    };
    const fromShim = await names(shim.paginateDescribeCacheSubnetGroups({ client: shimClient, pageSize: 20 }, {}));
    const fromAws = await names(aws.paginateDescribeCacheSubnetGroups({ client: awsClient, pageSize: 20 }, {}));
    expect(fromShim.sizes).toEqual([20, 2]);
    expect(fromShim).toEqual(fromAws);
  });

  it("refuse another client, as the AWS SDK's do", async () => {
    const pages = shim.paginateDescribeEvents({ client: awsClient as never }, {});
    await expect(pages.next()).rejects.toThrow("Invalid client, expected instance of ElastiCacheClient");
  });
});

describe("waiters", () => {
  it("wait for a cache cluster to be available and deleted; replies carry Dates", async () => {
    const created = await shimClient.send(new shim.CreateCacheClusterCommand({ CacheClusterId: "waited", Engine: "memcached", CacheNodeType: "cache.t3.micro", NumCacheNodes: 1 }));
    expect(created.CacheCluster?.CacheClusterStatus).toBe("creating");
    const available = await shim.waitUntilCacheClusterAvailable({ client: shimClient, maxWaitTime: 60 }, { CacheClusterId: "waited", ShowCacheNodeInfo: true });
    expect(available.state).toBe(shim.WaiterState.SUCCESS);
    const [cluster] = (available.reason as aws.DescribeCacheClustersCommandOutput).CacheClusters ?? [];
    expect(cluster.CacheClusterStatus).toBe("available");
    expect(cluster.CacheClusterCreateTime).toBeInstanceOf(Date);
    expect(cluster.CacheNodes?.[0].CacheNodeCreateTime).toBeInstanceOf(Date);

    await shimClient.send(new shim.DeleteCacheClusterCommand({ CacheClusterId: "waited" }));
    const deleted = await shim.waitUntilCacheClusterDeleted({ client: shimClient, maxWaitTime: 60 }, { CacheClusterId: "waited" });
    expect(deleted.state).toBe(shim.WaiterState.SUCCESS);
    expect(deleted.reason).toBeInstanceOf(aws.CacheClusterNotFoundFault);
  });

  it("fail at once on a state they cannot leave, as the AWS SDK's do", async () => {
    await shimClient.send(new shim.CreateReplicationGroupCommand({ ReplicationGroupId: "steady", ReplicationGroupDescription: "waiters", NumCacheClusters: 1 }));
    await shim.waitUntilReplicationGroupAvailable({ client: shimClient, maxWaitTime: 60 }, { ReplicationGroupId: "steady" });
    const fromShim = await rejection(shim.waitUntilReplicationGroupDeleted({ client: shimClient, maxWaitTime: 60 }, { ReplicationGroupId: "steady" }));
    const fromAws = await rejection(aws.waitUntilReplicationGroupDeleted({ client: awsClient, maxWaitTime: 60 }, { ReplicationGroupId: "steady" }));
    for (const error of [fromShim, fromAws]) expect(JSON.parse(error.message).state).toBe("FAILURE");

    await shimClient.send(new shim.DeleteReplicationGroupCommand({ ReplicationGroupId: "steady" }));
    const deleted = await shim.waitUntilReplicationGroupDeleted({ client: shimClient, maxWaitTime: 60 }, { ReplicationGroupId: "steady" });
    expect(deleted.reason).toBeInstanceOf(aws.ReplicationGroupNotFoundFault);
  });

  it("time out with the AWS SDK's TimeoutError", async () => {
    // Not found is neither success nor failure for this waiter: it retries until the time is up.
    const error = await rejection(shim.waitUntilCacheClusterAvailable({ client: shimClient, maxWaitTime: 2, minDelay: 1, maxDelay: 1 }, { CacheClusterId: "never" }));
    expect(error.name).toBe("TimeoutError");
    expect(JSON.parse(error.message).observedResponses).toEqual({ "404: CacheCluster never not found.": expect.any(Number) });
  });
});
