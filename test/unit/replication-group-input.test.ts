import { describe, expect, it } from "vitest";
import { codeOf } from "../helpers/aws-code.ts";
import { offer, type Catalog } from "../../src/domain/catalog.ts";
import { resolveEngine } from "../../src/elasticache/catalog.ts";
import type { InputOf } from "../../src/aws/operations.ts";
import { parseCreateReplicationGroup } from "../../src/elasticache/replication-group-input.ts";

const catalog: Catalog = { engines: [offer("memcached", "1.6.18"), offer("redis", "6.2.14"), offer("redis", "7.0.15")] };
const base = { ReplicationGroupId: "Orders", ReplicationGroupDescription: "orders cache" };
// Deliberately loose: the parser checks every value, whatever the protocol layer handed it.
const parse = (input: Record<string, unknown>) => parseCreateReplicationGroup({ ...base, ...input } as InputOf<"CreateReplicationGroup">, catalog, "us-east-1");

describe("CreateReplicationGroup rules", () => {
  it("defaults: one redis node of the newest version, lowercase id, default subnet and parameter group", () => {
    const plan = parse({});
    expect(plan).toMatchObject({
      id: "orders",
      numCacheClusters: 1,
      automaticFailover: false,
      subnetGroupName: "default",
      parameterGroupName: "default.redis7",
      cacheNodeType: "cache.t3.micro",
    });
    expect(plan.engine.version).toBe("7.0.15");
  });

  it("takes ReplicasPerNodeGroup as the replica count and checks it against NumCacheClusters", () => {
    expect(parse({ ReplicasPerNodeGroup: 2 }).numCacheClusters).toBe(3);
    expect(parse({ ReplicasPerNodeGroup: 2, NumCacheClusters: 3 }).numCacheClusters).toBe(3);
    expect(codeOf(() => parse({ ReplicasPerNodeGroup: 2, NumCacheClusters: 4 }))).toBe("InvalidParameterCombination 400");
  });

  it.each([
    [{ ReplicationGroupId: "1abc" }, "InvalidParameterValue 400"],
    [{ ReplicationGroupId: "a--b" }, "InvalidParameterValue 400"],
    [{ ReplicationGroupId: "ab-" }, "InvalidParameterValue 400"],
    [{ ReplicationGroupId: "a".repeat(41) }, "InvalidParameterValue 400"],
    [{ ReplicationGroupId: undefined }, "MissingParameter 400"],
    [{ ReplicationGroupDescription: undefined }, "MissingParameter 400"],
    [{ NumCacheClusters: 0 }, "InvalidParameterValue 400"],
    [{ NumCacheClusters: 7 }, "InvalidParameterValue 400"],
    [{ ReplicasPerNodeGroup: 6 }, "InvalidParameterValue 400"],
    [{ AutomaticFailoverEnabled: true, NumCacheClusters: 1 }, "InvalidParameterCombination 400"],
    [{ MultiAZEnabled: true, NumCacheClusters: 2 }, "InvalidParameterCombination 400"],
    [{ Engine: "memcached" }, "InvalidParameterValue 400"],
    [{ Engine: "mongodb" }, "InvalidParameterValue 400"],
    [{ EngineVersion: "5.0" }, "InvalidParameterValue 400"],
    [{ EngineVersion: "seven" }, "InvalidParameterValue 400"],
    [{ CacheNodeType: "cache.x1.huge" }, "InvalidParameterValue 400"],
    [{ SnapshotName: "a", SnapshotArns: ["arn:aws:s3:::b/k"] }, "InvalidParameterCombination 400"],
    [{ NumCacheClusters: 2, PreferredCacheClusterAZs: ["us-east-1a"] }, "InvalidParameterValue 400"],
    [{ PreferredCacheClusterAZs: ["eu-west-1a"] }, "InvalidParameterValue 400"],
    [{ NumNodeGroups: 2, ClusterMode: "disabled" }, "InvalidParameterCombination 400"],
    [{ AuthToken: "0123456789abcdef" }, "InvalidParameterCombination 400"],
    [{ TransitEncryptionMode: "preferred" }, "InvalidParameterCombination 400"],
    [{ TransitEncryptionEnabled: true, TransitEncryptionMode: "optional" }, "InvalidParameterValue 400"],
    [{ TransitEncryptionEnabled: true, AuthToken: "short" }, "InvalidParameterValue 400"],
    [{ KmsKeyId: "alias/cache" }, "InvalidParameterCombination 400"],
    [{ SnapshotWindow: "25:00-26:00" }, "InvalidParameterValue 400"],
    [{ SnapshotRetentionLimit: 36 }, "InvalidParameterValue 400"],
    [{ Port: 80 }, "InvalidParameterValue 400"],
    [{ NumCacheClusters: "3" }, "InvalidParameterValue 400"],
  ])("%o -> %s", (input, expected) => {
    expect(codeOf(() => parse(input))).toBe(expected);
  });

  it("keeps the parameter group and restore source it is given; whether they exist is the service's check (with the store)", () => {
    expect(parse({ CacheParameterGroupName: "custom", SnapshotName: "nightly" })).toMatchObject({ parameterGroupName: "custom", restore: { snapshotName: "nightly" } });
    expect(parse({ SnapshotArns: ["arn:aws:s3:::bucket/key.rdb"] }).restore).toEqual({ arns: ["arn:aws:s3:::bucket/key.rdb"] });
  });

  it("takes transit encryption (required by default), an AuthToken and at-rest encryption with a KMS key", () => {
    expect(parse({ TransitEncryptionEnabled: true, AuthToken: "0123456789abcdef", AtRestEncryptionEnabled: true, KmsKeyId: "alias/cache" })).toMatchObject({
      security: { transitEncryption: true, transitEncryptionMode: "required", authTokens: ["0123456789abcdef"] },
      atRestEncryption: true,
      kmsKeyId: "alias/cache",
    });
    expect(parse({ TransitEncryptionEnabled: true, TransitEncryptionMode: "preferred" }).security).toMatchObject({ transitEncryptionMode: "preferred", authTokens: [] });
    expect(parse({ TransitEncryptionEnabled: false }).security).toBeUndefined();
  });

  it("accepts automatic failover with a replica, Multi-AZ with failover, and matching zones", () => {
    const plan = parse({ NumCacheClusters: 2, AutomaticFailoverEnabled: true, MultiAZEnabled: true, PreferredCacheClusterAZs: ["us-east-1a", "us-east-1b"] });
    expect(plan).toMatchObject({ automaticFailover: true, multiAz: true, preferredAzs: ["us-east-1a", "us-east-1b"] });
  });
});

describe("engine versions", () => {
  it("resolves a major, a major.minor and a full version to what runs here", () => {
    expect(resolveEngine(catalog, "redis", "6").version).toBe("6.2.14");
    expect(resolveEngine(catalog, "redis", "7.0").version).toBe("7.0.15");
    expect(resolveEngine(catalog, "redis", "7.0.7").version).toBe("7.0.15");
    expect(codeOf(() => resolveEngine(catalog, "redis", "7.1"))).toBe("InvalidParameterValue 400");
    expect(codeOf(() => resolveEngine(catalog, "valkey"))).toBe("InvalidParameterValue 400");
  });
});
