/**
 * Cache subnet groups and tags end to end, the same scenario through all four clients against
 * one running server.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { allClients, failure, type ApiClient } from "../helpers/clients.ts";
import { startServer, type RunningServer } from "../helpers/server.ts";

let server: RunningServer;
const clients: Record<string, ApiClient> = {};

beforeAll(async () => {
  server = await startServer();
  for (const client of allClients(server.url)) clients[client.name] = client;
});
afterAll(async () => server?.cleanup());

const arnOf = (name: string) => `arn:aws:elasticache:us-east-1:000000000000:subnetgroup:${name}`;

describe.each(["http", "aws-sdk", "aws-cli", "sdk-shim"])("cache subnet groups through %s", (clientName) => {
  const name = `${clientName}-Group`.replace(/[^a-zA-Z0-9-]/g, "-");
  const stored = name.toLowerCase();
  const call = (operation: string, input: Record<string, unknown>) => clients[clientName].call(operation, input);

  it("creates a group with derived VPC, zones and network types, stored lowercase", async () => {
    const { CacheSubnetGroup: group } = await call("CreateCacheSubnetGroup", {
      CacheSubnetGroupName: name,
      CacheSubnetGroupDescription: "group made by " + clientName,
      SubnetIds: ["subnet-0123456789abcdef0", "subnet-12345678"],
      Tags: [{ Key: "team", Value: "cache" }],
    });
    expect(group.CacheSubnetGroupName).toBe(stored);
    expect(group.CacheSubnetGroupDescription).toBe("group made by " + clientName);
    expect(group.VpcId).toMatch(/^vpc-[0-9a-f]{17}$/);
    expect(group.ARN).toBe(arnOf(stored));
    expect(group.Subnets.map((subnet: any) => subnet.SubnetIdentifier)).toEqual(["subnet-0123456789abcdef0", "subnet-12345678"]);
    for (const subnet of group.Subnets) {
      expect(subnet.SubnetAvailabilityZone.Name).toMatch(/^us-east-1[abc]$/);
      expect(subnet.SupportedNetworkTypes).toEqual(["ipv4"]);
    }
  });

  it("derives the same VPC and zones every time for the same subnets", async () => {
    const { CacheSubnetGroups } = await call("DescribeCacheSubnetGroups", { CacheSubnetGroupName: name });
    const { CacheSubnetGroup: twin } = await call("CreateCacheSubnetGroup", {
      CacheSubnetGroupName: `${name}-twin`,
      CacheSubnetGroupDescription: "same subnets",
      SubnetIds: ["subnet-12345678", "subnet-0123456789abcdef0"],
    });
    await call("DeleteCacheSubnetGroup", { CacheSubnetGroupName: `${name}-twin` });
    expect(CacheSubnetGroups).toHaveLength(1);
    expect(twin.VpcId).toBe(CacheSubnetGroups[0].VpcId);
    expect(twin.Subnets).toEqual(CacheSubnetGroups[0].Subnets);
  });

  it("refuses a duplicate name in any case", async () => {
    const error = await failure(
      call("CreateCacheSubnetGroup", { CacheSubnetGroupName: stored.toUpperCase(), CacheSubnetGroupDescription: "d", SubnetIds: ["subnet-12345678"] }),
    );
    expect(error.code).toBe("CacheSubnetGroupAlreadyExists");
    if (error.status !== undefined) expect(error.status).toBe(400);
  });

  it("modifies the description and subnets", async () => {
    const { CacheSubnetGroup: group } = await call("ModifyCacheSubnetGroup", {
      CacheSubnetGroupName: name,
      CacheSubnetGroupDescription: "changed",
      SubnetIds: ["subnet-abcdef01"],
    });
    expect(group.CacheSubnetGroupDescription).toBe("changed");
    expect(group.Subnets.map((subnet: any) => subnet.SubnetIdentifier)).toEqual(["subnet-abcdef01"]);
  });

  it("adds, lists and removes tags by ARN", async () => {
    const added = await call("AddTagsToResource", { ResourceName: arnOf(stored), Tags: [{ Key: "env", Value: "dev" }] });
    expect(added.TagList).toEqual([
      { Key: "env", Value: "dev" },
      { Key: "team", Value: "cache" },
    ]);
    const removed = await call("RemoveTagsFromResource", { ResourceName: arnOf(stored), TagKeys: ["team"] });
    expect(removed.TagList).toEqual([{ Key: "env", Value: "dev" }]);
    const listed = await call("ListTagsForResource", { ResourceName: arnOf(stored) });
    expect(listed.TagList).toEqual([{ Key: "env", Value: "dev" }]);
  });

  it("answers tag calls on bad ARNs and unknown resources with AWS codes", async () => {
    expect((await failure(call("ListTagsForResource", { ResourceName: "not-an-arn" }))).code).toBe("InvalidARN");
    const missing = await failure(call("ListTagsForResource", { ResourceName: arnOf("nope") }));
    expect(missing.code).toBe("CacheSubnetGroupNotFoundFault");
    const tagMissing = await failure(call("RemoveTagsFromResource", { ResourceName: arnOf(stored), TagKeys: ["absent"] }));
    expect(tagMissing.code).toBe("TagNotFound");
    if (tagMissing.status !== undefined) expect(tagMissing.status).toBe(404);
  });

  it("rejects bad names and subnets", async () => {
    const badName = await failure(
      call("CreateCacheSubnetGroup", { CacheSubnetGroupName: "bad_name!", CacheSubnetGroupDescription: "d", SubnetIds: ["subnet-12345678"] }),
    );
    expect(badName.code).toBe("InvalidParameterValue");
    const badSubnet = await failure(
      call("CreateCacheSubnetGroup", { CacheSubnetGroupName: `${name}-x`, CacheSubnetGroupDescription: "d", SubnetIds: ["subnet-a_b"] }),
    );
    expect(badSubnet.code).toBe("InvalidSubnet");
    expect(badSubnet.message).toContain("accepts 'subnet-' followed by 1 to 64 letters or digits");
  });

  it("deletes the group, then it is gone with a 400 not-found", async () => {
    await call("DeleteCacheSubnetGroup", { CacheSubnetGroupName: name });
    const error = await failure(call("DescribeCacheSubnetGroups", { CacheSubnetGroupName: name }));
    expect(error.code).toBe("CacheSubnetGroupNotFoundFault");
    if (error.status !== undefined) expect(error.status).toBe(400);
    const again = await failure(call("DeleteCacheSubnetGroup", { CacheSubnetGroupName: name }));
    expect(again.code).toBe("CacheSubnetGroupNotFoundFault");
  });

  it("keeps the default group, which cannot be deleted", async () => {
    const { CacheSubnetGroups } = await call("DescribeCacheSubnetGroups", { CacheSubnetGroupName: "default" });
    expect(CacheSubnetGroups[0].Subnets.length).toBe(3);
    expect((await failure(call("DeleteCacheSubnetGroup", { CacheSubnetGroupName: "default" }))).code).toBe("InvalidParameterValue");
  });
});

describe("paging", () => {
  it("pages with MaxRecords and Marker through the Query and REST protocols alike", async () => {
    const http = clients.http;
    for (let i = 0; i < 25; i++) {
      await http.call("CreateCacheSubnetGroup", {
        CacheSubnetGroupName: `page-${String(i).padStart(2, "0")}`,
        CacheSubnetGroupDescription: "paging",
        SubnetIds: ["subnet-12345678"],
      });
    }
    for (const client of [clients.http, clients["aws-sdk"], clients["sdk-shim"]]) {
      const first = await client.call("DescribeCacheSubnetGroups", { MaxRecords: 20 });
      expect(first.CacheSubnetGroups).toHaveLength(20);
      expect(first.Marker).toBeTruthy();
      const second = await client.call("DescribeCacheSubnetGroups", { MaxRecords: 20, Marker: first.Marker });
      const names = [...first.CacheSubnetGroups, ...second.CacheSubnetGroups].map((group: any) => group.CacheSubnetGroupName);
      expect(new Set(names).size).toBe(names.length);
      expect(names.filter((n) => n.startsWith("page-"))).toHaveLength(25);
      expect(second.Marker).toBeUndefined();
    }
    for (const MaxRecords of [19, 101]) {
      expect((await failure(clients.http.call("DescribeCacheSubnetGroups", { MaxRecords }))).code).toBe("InvalidParameterValue");
      expect((await failure(clients["aws-sdk"].call("DescribeCacheSubnetGroups", { MaxRecords }))).code).toBe("InvalidParameterValue");
    }
  });

  it("refuses a subnet group that a concurrent duplicate already created, exactly once", async () => {
    const attempts = await Promise.allSettled(
      Array.from({ length: 8 }, () =>
        clients.http.call("CreateCacheSubnetGroup", { CacheSubnetGroupName: "racy", CacheSubnetGroupDescription: "d", SubnetIds: ["subnet-12345678"] }),
      ),
    );
    expect(attempts.filter((attempt) => attempt.status === "fulfilled")).toHaveLength(1);
    for (const attempt of attempts) {
      if (attempt.status === "rejected") expect(attempt.reason.code).toBe("CacheSubnetGroupAlreadyExists");
    }
  });
});
