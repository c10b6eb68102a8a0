/**
 * What infrastructure tools send, from the real clients against the real server: STS
 * GetCallerIdentity on the ElastiCache endpoint first (AWS CLI, boto3), then empty strings for the
 * options they leave unset (Ansible's community.aws.elasticache passes EngineVersion="",
 * CacheParameterGroupName="", CacheSubnetGroupName="" through boto3), over both protocols.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startNodeServer, type NodeServer } from "../helpers/nodes.ts";

const run = promisify(execFile);
const ACCOUNT = "123456789012";
const credentials = { AWS_ACCESS_KEY_ID: "AKIDTOOLS", AWS_SECRET_ACCESS_KEY: "test", AWS_DEFAULT_REGION: "us-east-1", AWS_PAGER: "", AWS_MAX_ATTEMPTS: "1" };

let node: NodeServer;
beforeAll(async () => {
  node = await startNodeServer("process", { tag: "tools", env: { ECL_ACCOUNT_ID: ACCOUNT } });
}, 60_000);
afterAll(async () => node?.destroy());

/** Runs a boto3 script (the system Python's boto3) with `url` as the endpoint; prints JSON. */
async function boto3(script: string): Promise<any> {
  const { stdout } = await run(
    "/usr/bin/python3",
    ["-c", `import boto3, json, sys\nurl = sys.argv[1]\n${script}`, node.server.url],
    { env: { ...process.env, ...credentials } },
  );
  return JSON.parse(stdout);
}

describe("STS GetCallerIdentity on the same endpoint", () => {
  it("answers the AWS CLI with the configured account", async () => {
    const { stdout } = await run("aws", ["sts", "get-caller-identity", "--endpoint-url", node.server.url, "--output", "json"], {
      env: { ...process.env, ...credentials },
    });
    expect(JSON.parse(stdout)).toEqual({ UserId: ACCOUNT, Account: ACCOUNT, Arn: `arn:aws:iam::${ACCOUNT}:root` });
  });

  it("answers boto3", async () => {
    const identity = await boto3(`
sts = boto3.client("sts", endpoint_url=url)
r = sts.get_caller_identity()
print(json.dumps({k: r[k] for k in ("UserId", "Account", "Arn")}))`);
    expect(identity).toEqual({ UserId: ACCOUNT, Account: ACCOUNT, Arn: `arn:aws:iam::${ACCOUNT}:root` });
  });

  it("answers STS's XML in STS's namespace, and nothing but GetCallerIdentity", async () => {
    const response = await fetch(`${node.server.url}/?Action=GetCallerIdentity&Version=2011-06-15`);
    expect(response.status).toBe(200);
    expect(await response.text()).toMatch(
      new RegExp(`^<GetCallerIdentityResponse xmlns="https://sts\\.amazonaws\\.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>arn:aws:iam::${ACCOUNT}:root</Arn>`),
    );
    const wrongVersion = await fetch(`${node.server.url}/?Action=GetCallerIdentity&Version=2015-02-02`);
    expect(wrongVersion.status).toBe(400);
    expect(await wrongVersion.text()).toContain("<Code>InvalidParameterValue</Code>");
    const other = await fetch(`${node.server.url}/?Action=AssumeRole&Version=2011-06-15`, {
      headers: { authorization: "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=abc" },
    });
    expect(other.status).toBe(400);
    expect(await other.text()).toContain("<Code>InvalidAction</Code>");
  });
});

describe("empty strings for unset options", () => {
  it("boto3 creates a replication group with EngineVersion, CacheParameterGroupName and CacheSubnetGroupName empty", async () => {
    const group = await boto3(`
ec = boto3.client("elasticache", endpoint_url=url)
r = ec.create_replication_group(ReplicationGroupId="ansible", ReplicationGroupDescription="from a playbook",
    Engine="redis", EngineVersion="", CacheNodeType="cache.t3.micro", NumCacheClusters=1,
    CacheParameterGroupName="", CacheSubnetGroupName="", SecurityGroupIds=[])
print(json.dumps({k: r["ReplicationGroup"].get(k) for k in ("ReplicationGroupId", "Status")}))`);
    expect(group).toEqual({ ReplicationGroupId: "ansible", Status: "creating" });
    const member = await node.api.cluster("ansible-001");
    expect(member.EngineVersion).toMatch(/^\d+\.\d+/);
    expect(member.CacheSubnetGroupName).toBe("default");
    expect(member.CacheParameterGroup.CacheParameterGroupName).toMatch(/^default\./);
  });

  it("REST bodies: optional strings given empty are not given; required ones are still refused", async () => {
    const created = await node.api.ok("POST", "/v1/replication-groups", {
      ReplicationGroupId: "rest-empty",
      ReplicationGroupDescription: "d",
      NumCacheClusters: 1,
      EngineVersion: "",
      CacheParameterGroupName: "",
      CacheSubnetGroupName: "",
      PreferredMaintenanceWindow: "",
    });
    expect(created.ReplicationGroup.Status).toBe("creating");
    const refused = await node.api.rest("POST", "/v1/replication-groups", { ReplicationGroupId: "", ReplicationGroupDescription: "d" });
    expect(refused.status).toBe(400);
    expect(["MissingParameter", "InvalidParameterValue"]).toContain(refused.body.Error.Code);
  });

  it("query strings of both protocols: empty optional filters list everything", async () => {
    const all = await node.api.ok("GET", "/v1/cache-engine-versions");
    expect(await node.api.ok("GET", "/v1/cache-engine-versions?Engine=&EngineVersion=&CacheParameterGroupFamily=")).toEqual(all);
    const response = await fetch(`${node.server.url}/?Action=DescribeCacheClusters&Version=2015-02-02&CacheClusterId=&Marker=`);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain("<CacheClusterId>ansible-001</CacheClusterId>");
  });
});
