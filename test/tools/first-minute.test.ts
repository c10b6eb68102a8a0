/**
 * The walls a new user met in the first minute (issue 12), each driven with a tool nobody here
 * wrote against the running server: the AWS CLI with the seed's own example, Ansible's
 * community.aws ElastiCache modules (idempotent on a second run: the replies carry every member
 * they diff), boto3 for the operations that were unanswered, and AWS's strict subnet format
 * behind its option.
 */
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startNodeServer, type NodeServer } from "../helpers/nodes.ts";
import { startServer, type RunningServer } from "../helpers/server.ts";
import { defaultSnapshotWindow } from "../../src/domain/backup-window.ts";

const run = promisify(execFile);
const credentials = { AWS_ACCESS_KEY_ID: "test", AWS_SECRET_ACCESS_KEY: "test", AWS_DEFAULT_REGION: "us-east-1", AWS_PAGER: "", AWS_MAX_ATTEMPTS: "1" };
const env = { ...process.env, ...credentials };

let node: NodeServer;
beforeAll(async () => {
  node = await startNodeServer("process", { tag: "first" });
}, 60_000);
afterAll(async () => node?.destroy());

async function aws(url: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run("aws", ["--endpoint-url", url, "--output", "json", ...args], { env });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

/** Runs a boto3 script with `ec` an ElastiCache client on the server; it prints JSON. */
async function boto3(script: string): Promise<any> {
  const { stdout } = await run(
    "/usr/bin/python3",
    ["-c", `import boto3, json, sys, botocore\nec = boto3.client("elasticache", endpoint_url=sys.argv[1])\n${script}`, node.server.url],
    { env },
  );
  return JSON.parse(stdout);
}

describe("the seed's example, verbatim", () => {
  it("aws elasticache create-cache-subnet-group --subnet-ids subnet-123 subnet-456 works, each subnet in a stable zone", async () => {
    const created = await aws(node.server.url, "elasticache", "create-cache-subnet-group", "--cache-subnet-group-name", "seed",
      "--cache-subnet-group-description", "seed", "--subnet-ids", "subnet-123", "subnet-456");
    expect(created.code, created.stderr).toBe(0);
    const subnets = JSON.parse(created.stdout).CacheSubnetGroup.Subnets;
    expect(subnets.map((subnet: any) => subnet.SubnetIdentifier)).toEqual(["subnet-123", "subnet-456"]);
    const described = JSON.parse((await aws(node.server.url, "elasticache", "describe-cache-subnet-groups", "--cache-subnet-group-name", "seed")).stdout);
    expect(described.CacheSubnetGroups[0].Subnets).toEqual(subnets);
    for (const subnet of subnets) expect(subnet.SubnetAvailabilityZone.Name).toMatch(/^us-east-1[abc]$/);
  });

  it("a refused id's message says what is accepted", async () => {
    const refused = await aws(node.server.url, "elasticache", "create-cache-subnet-group", "--cache-subnet-group-name", "typo",
      "--cache-subnet-group-description", "typo", "--subnet-ids", "sub-123");
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain("InvalidSubnet");
    expect(refused.stderr).toContain("The subnet ID sub-123 is not valid: elasticache-local accepts 'subnet-' followed by 1 to 64 letters or digits");
  });
});

describe("ECL_SUBNET_IDS=strict", () => {
  let strict: RunningServer;
  beforeAll(async () => {
    strict = await startServer({ env: { ECL_RUNTIME: "process", ECL_SUBNET_IDS: "strict", ECL_INSTANCE: `strict${process.pid % 10000}` } });
  }, 60_000);
  afterAll(async () => strict?.cleanup());

  it("takes only AWS's format, and says so", async () => {
    const refused = await aws(strict.url, "elasticache", "create-cache-subnet-group", "--cache-subnet-group-name", "seed",
      "--cache-subnet-group-description", "seed", "--subnet-ids", "subnet-123");
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain("AWS's format, 'subnet-' followed by 8 or 17 lowercase hexadecimal digits (ECL_SUBNET_IDS=strict)");
    const accepted = await aws(strict.url, "elasticache", "create-cache-subnet-group", "--cache-subnet-group-name", "seed",
      "--cache-subnet-group-description", "seed", "--subnet-ids", "subnet-0123456789abcdef0");
    expect(accepted.code, accepted.stderr).toBe(0);
  });
});

describe("Ansible's community.aws modules", () => {
  const playbook = path.join(import.meta.dirname, "ansible-playbook.yml");
  const play = async () => {
    const { stdout } = await run("ansible-playbook", ["-e", `url=${node.server.url}`, playbook], {
      env: { ...env, ANSIBLE_NOCOLOR: "1", ANSIBLE_LOCALHOST_WARNING: "false", ANSIBLE_INVENTORY_UNPARSED_WARNING: "false" },
      timeout: 240_000,
    });
    const recap = /localhost\s+: ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)/.exec(stdout);
    const info = JSON.parse(/"msg": "INFO (.*)"\n/.exec(stdout)![1].replace(/\\"/g, '"'));
    return { ok: Number(recap![1]), changed: Number(recap![2]), failed: Number(recap![4]), info, stdout };
  };

  it("create a subnet group with the seed's example, a Redis cluster in it, and read its info; a second run changes nothing", async () => {
    const first = await play();
    expect(first.failed, first.stdout).toBe(0);
    expect(first.changed, first.stdout).toBe(2);
    expect(first.info).toHaveLength(1);
    const [cluster] = first.info;
    expect(cluster).toMatchObject({
      cache_cluster_id: "ansible-redis",
      cache_cluster_status: "available",
      cache_subnet_group_name: "apps",
      engine: "redis",
      // The window AWS assigns when none is asked for: 60 minutes, chosen per cluster.
      snapshot_window: defaultSnapshotWindow("ansible-redis"),
      log_delivery_configurations: [],
    });
    expect(cluster.security_groups).toEqual([{ security_group_id: expect.stringMatching(/^sg-[0-9a-f]{17}$/), status: "active" }]);
    const second = await play();
    expect(second.failed, second.stdout).toBe(0);
    expect(second.changed, second.stdout).toBe(0);
  }, 300_000);
});

describe("replies carry every configuration member AWS returns", () => {
  // The AWS CLI: the system boto3's model is too old to know Engine or UserGroupIds.
  it("a group: SnapshotWindow, SnapshottingClusterId, UserGroupIds, LogDeliveryConfigurations, Engine (AWS CLI)", async () => {
    const created = await aws(node.server.url, "elasticache", "create-replication-group", "--replication-group-id", "members",
      "--replication-group-description", "d", "--num-cache-clusters", "2", "--snapshot-retention-limit", "1");
    expect(created.code, created.stderr).toBe(0);
    const waited = await aws(node.server.url, "elasticache", "wait", "replication-group-available", "--replication-group-id", "members");
    expect(waited.code, waited.stderr).toBe(0);
    const described = await aws(node.server.url, "elasticache", "describe-replication-groups", "--replication-group-id", "members");
    expect(JSON.parse(described.stdout).ReplicationGroups[0]).toMatchObject({
      SnapshotWindow: defaultSnapshotWindow("members"),
      SnapshottingClusterId: "members-002",
      UserGroupIds: [],
      LogDeliveryConfigurations: [],
      Engine: "redis",
    });
  }, 180_000);
});

describe("every other operation answers", () => {
  it("lists the node types a cluster can move to, from the catalog", async () => {
    const allowed = await boto3(`print(json.dumps(ec.list_allowed_node_type_modifications(ReplicationGroupId="members")))`);
    expect(allowed.ScaleUpModifications).toContain("cache.m5.large");
    expect(allowed.ScaleUpModifications).toContain("cache.t4g.micro");
    expect(allowed.ScaleUpModifications).not.toContain("cache.t3.micro");
    expect(allowed.ScaleDownModifications).toEqual([]);
    const missing = await aws(node.server.url, "elasticache", "list-allowed-node-type-modifications", "--replication-group-id", "nope");
    expect(missing.stderr).toContain("ReplicationGroupNotFoundFault");
  });

  it("describes what cannot exist here as empty, and a named one as not found (boto3)", async () => {
    const answers = await boto3(`
out = {
  "reserved": ec.describe_reserved_cache_nodes()["ReservedCacheNodes"],
  "offerings": ec.describe_reserved_cache_nodes_offerings()["ReservedCacheNodesOfferings"],
  "updates": ec.describe_service_updates()["ServiceUpdates"],
  "actions": ec.describe_update_actions()["UpdateActions"],
  "global": ec.describe_global_replication_groups()["GlobalReplicationGroups"],
  "securityGroups": ec.describe_cache_security_groups()["CacheSecurityGroups"],
}
def code(call):
  try:
    call()
  except botocore.exceptions.ClientError as e:
    return [e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"]]
out["namedGlobal"] = code(lambda: ec.describe_global_replication_groups(GlobalReplicationGroupId="g"))
out["purchase"] = code(lambda: ec.purchase_reserved_cache_nodes_offering(ReservedCacheNodesOfferingId="o"))
out["createSecurityGroup"] = code(lambda: ec.create_cache_security_group(CacheSecurityGroupName="s", Description="d"))
out["applyUpdate"] = code(lambda: ec.batch_apply_update_action(ServiceUpdateName="u", ReplicationGroupIds=["members"]))
print(json.dumps(out))`);
    expect(answers).toEqual({
      reserved: [],
      offerings: [],
      updates: [],
      actions: [],
      global: [],
      securityGroups: [],
      namedGlobal: ["GlobalReplicationGroupNotFoundFault", 404],
      purchase: ["ReservedCacheNodesOfferingNotFound", 404],
      createSecurityGroup: ["InvalidParameterValue", 400],
      applyUpdate: ["ServiceUpdateNotFoundFault", 404],
    });
  });

  it("describes serverless caches as none (AWS CLI)", async () => {
    const described = await aws(node.server.url, "elasticache", "describe-serverless-caches");
    expect(JSON.parse(described.stdout)).toEqual({ ServerlessCaches: [] });
  });

  it("refuses a not-yet-built operation naming the capability (AWS CLI)", async () => {
    const refused = await aws(node.server.url, "elasticache", "create-serverless-cache", "--serverless-cache-name", "app", "--engine", "redis");
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain("(InvalidAction) when calling the CreateServerlessCache operation: CreateServerlessCache needs serverless caches, which elasticache-local does not have yet.");
  });
});
