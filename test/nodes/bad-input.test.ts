/**
 * Bad input for every operation of the real-nodes feature, through both protocols (REST JSON as
 * curl sends it, and the real AWS SDK over the Query protocol): each request gets its AWS wire
 * code and HTTP status, never a 500, and creates nothing. Runs against a process-runtime server
 * whose redis-server is a wrapper that starts nodes of clusters named "slow…" 6 s late, so
 * resources can be caught in "creating" deterministically. Also: concurrent duplicate creates of
 * one id, of which exactly one succeeds.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiError, CLUSTERS, GROUPS } from "../helpers/clients.ts";
import { runningNodes, startNodeServer, type NodeServer } from "../helpers/nodes.ts";

let target: NodeServer;
let wrapperDir: string;
let takenPort: number;
let holder: net.Server;
let allocatedPort: number;

/** A redis-server that sleeps before starting the nodes of clusters whose id starts with "slow". */
function slowRedisServer(): string {
  wrapperDir = mkdtempSync(path.join(os.tmpdir(), "ecl-slow-"));
  const real = execFileSync("sh", ["-c", "command -v redis-server"], { encoding: "utf8" }).trim();
  chmodSync(wrapperDir, 0o755); // nodes run as an unprivileged user when the tests run as root
  const wrapper = path.join(wrapperDir, "redis-server");
  writeFileSync(wrapper, `#!/bin/sh\ncase "$PWD" in */nodes/slow*) sleep 6 ;; esac\nexec ${real} "$@"\n`);
  chmodSync(wrapper, 0o755);
  return wrapper;
}

beforeAll(async () => {
  target = await startNodeServer("process", { tag: "bad", env: { ECL_REDIS_SERVER: slowRedisServer() } });
  const { api } = target;
  // A port something else listens on.
  holder = net.createServer();
  await new Promise<void>((resolve) => holder.listen(0, "127.0.0.1", resolve));
  takenPort = (holder.address() as net.AddressInfo).port;

  await api.ok("POST", "/v1/cache-subnet-groups", { CacheSubnetGroupName: "busy-subnets", CacheSubnetGroupDescription: "in use", SubnetIds: ["subnet-0000bbbb"] });
  // Settled fixtures (fast), and resources that stay "creating" for 6 s (slow).
  const [oneNode] = await Promise.all([
    api.ok("POST", `${GROUPS}?wait=true`, { ReplicationGroupId: "one-node", ReplicationGroupDescription: "d", NumCacheClusters: 1 }),
    api.ok("POST", `${GROUPS}?wait=true`, { ReplicationGroupId: "three-node", ReplicationGroupDescription: "d", NumCacheClusters: 3 }),
    api.ok("POST", `${CLUSTERS}?wait=true`, { CacheClusterId: "solo", Engine: "redis" }),
    api.ok("POST", `${CLUSTERS}?wait=true`, { CacheClusterId: "mc", Engine: "memcached", NumCacheNodes: 2 }),
  ]);
  allocatedPort = oneNode.ReplicationGroup.NodeGroups[0].NodeGroupMembers[0].ReadEndpoint.Port;
  for (const id of ["one-node", "three-node"]) expect((await api.group(id)).Status).toBe("available");
  await api.ok("POST", GROUPS, { ReplicationGroupId: "slow-rg", ReplicationGroupDescription: "d", NumCacheClusters: 2, CacheSubnetGroupName: "busy-subnets" });
  await api.ok("POST", CLUSTERS, { CacheClusterId: "slow-cc", Engine: "redis" });
  expect((await api.group("slow-rg")).Status).toBe("creating");
  expect((await api.cluster("slow-cc")).CacheClusterStatus).toBe("creating");
});

afterAll(async () => {
  holder?.close();
  await target?.destroy();
  if (wrapperDir) rmSync(wrapperDir, { recursive: true, force: true });
});

interface Case {
  name: string;
  op: string;
  input: Record<string, unknown> | (() => Record<string, unknown>);
  code: string;
  status: number;
  /** Needs the slow fixtures still "creating": these run first, within the fixtures' 6 s. */
  creating?: boolean;
}

const rg = (patch: Record<string, unknown> = {}) => ({ ReplicationGroupId: "new-rg", ReplicationGroupDescription: "d", ...patch });
const cc = (patch: Record<string, unknown> = {}) => ({ CacheClusterId: "new-cc", Engine: "redis", ...patch });
const IPV = { code: "InvalidParameterValue", status: 400 };
const IPC = { code: "InvalidParameterCombination", status: 400 };
const RG_NOT_FOUND = { code: "ReplicationGroupNotFoundFault", status: 404 };
const CC_NOT_FOUND = { code: "CacheClusterNotFound", status: 404 };
const RG_STATE = { code: "InvalidReplicationGroupState", status: 400 };
const CC_STATE = { code: "InvalidCacheClusterState", status: 400 };

/** Ids breaking each rule: letter first, no "--", no trailing "-", at most `max` characters, only letters/digits/hyphens. */
const badIds = (max: number): [string, string][] => [
  ["starting with a digit", "1abc"],
  ["starting with a hyphen", "-abc"],
  ["with two consecutive hyphens", "ab--cd"],
  ["ending with a hyphen", "abcd-"],
  [`of ${max + 1} characters`, "a".repeat(max + 1)],
  ["with an underscore", "ab_cd"],
];

/** Every operation that takes an id, with a bad id. */
function badIdCases(): Case[] {
  const cases: Case[] = [];
  for (const [why, id] of badIds(40)) {
    cases.push(
      { name: `CreateReplicationGroup: id ${why}`, op: "CreateReplicationGroup", input: rg({ ReplicationGroupId: id }), ...IPV },
      { name: `DescribeReplicationGroups: id ${why}`, op: "DescribeReplicationGroups", input: { ReplicationGroupId: id }, ...IPV },
      { name: `ModifyReplicationGroup: id ${why}`, op: "ModifyReplicationGroup", input: { ReplicationGroupId: id, ReplicationGroupDescription: "x" }, ...IPV },
      { name: `DeleteReplicationGroup: id ${why}`, op: "DeleteReplicationGroup", input: { ReplicationGroupId: id }, ...IPV },
      { name: `IncreaseReplicaCount: id ${why}`, op: "IncreaseReplicaCount", input: { ReplicationGroupId: id, NewReplicaCount: 2, ApplyImmediately: true }, ...IPV },
      { name: `DecreaseReplicaCount: id ${why}`, op: "DecreaseReplicaCount", input: { ReplicationGroupId: id, NewReplicaCount: 1, ApplyImmediately: true }, ...IPV },
      { name: `CreateCacheCluster: ReplicationGroupId ${why}`, op: "CreateCacheCluster", input: cc({ ReplicationGroupId: id, Engine: undefined }), ...IPV },
    );
  }
  for (const [why, id] of badIds(50)) {
    cases.push(
      { name: `CreateCacheCluster: id ${why}`, op: "CreateCacheCluster", input: cc({ CacheClusterId: id }), ...IPV },
      { name: `DescribeCacheClusters: id ${why}`, op: "DescribeCacheClusters", input: { CacheClusterId: id }, ...IPV },
      { name: `ModifyCacheCluster: id ${why}`, op: "ModifyCacheCluster", input: { CacheClusterId: id, NumCacheNodes: 1 }, ...IPV },
      { name: `DeleteCacheCluster: id ${why}`, op: "DeleteCacheCluster", input: { CacheClusterId: id }, ...IPV },
      { name: `RebootCacheCluster: id ${why}`, op: "RebootCacheCluster", input: { CacheClusterId: id, CacheNodeIdsToReboot: ["0001"] }, ...IPV },
    );
  }
  return cases;
}

const cases: Case[] = [
  ...badIdCases(),
  // Lengths at the limit are valid ids: the resource is simply not there.
  { name: "DescribeReplicationGroups: a 40-character id is valid (not found)", op: "DescribeReplicationGroups", input: { ReplicationGroupId: "a".repeat(40) }, ...RG_NOT_FOUND },
  { name: "DescribeCacheClusters: a 50-character id is valid (not found)", op: "DescribeCacheClusters", input: { CacheClusterId: "a".repeat(50) }, ...CC_NOT_FOUND },

  // CreateReplicationGroup
  { name: "CreateReplicationGroup: no description", op: "CreateReplicationGroup", input: { ReplicationGroupId: "new-rg" }, code: "MissingParameter", status: 400 },
  { name: "CreateReplicationGroup: NumCacheClusters 0", op: "CreateReplicationGroup", input: rg({ NumCacheClusters: 0 }), ...IPV },
  { name: "CreateReplicationGroup: NumCacheClusters 7", op: "CreateReplicationGroup", input: rg({ NumCacheClusters: 7 }), ...IPV },
  { name: "CreateReplicationGroup: ReplicasPerNodeGroup 6", op: "CreateReplicationGroup", input: rg({ ReplicasPerNodeGroup: 6 }), ...IPV },
  { name: "CreateReplicationGroup: automatic failover with 1 node", op: "CreateReplicationGroup", input: rg({ AutomaticFailoverEnabled: true, NumCacheClusters: 1 }), ...IPC },
  { name: "CreateReplicationGroup: automatic failover with ReplicasPerNodeGroup 0", op: "CreateReplicationGroup", input: rg({ AutomaticFailoverEnabled: true, ReplicasPerNodeGroup: 0 }), ...IPC },
  { name: "CreateReplicationGroup: MultiAZ without automatic failover", op: "CreateReplicationGroup", input: rg({ MultiAZEnabled: true, NumCacheClusters: 2 }), ...IPC },
  { name: "CreateReplicationGroup: unknown engine version", op: "CreateReplicationGroup", input: rg({ EngineVersion: "6.2" }), ...IPV },
  { name: "CreateReplicationGroup: malformed engine version", op: "CreateReplicationGroup", input: rg({ EngineVersion: "latest" }), ...IPV },
  { name: "CreateReplicationGroup: unknown node type", op: "CreateReplicationGroup", input: rg({ CacheNodeType: "cache.x9.enormous" }), ...IPV },
  { name: "CreateReplicationGroup: Memcached", op: "CreateReplicationGroup", input: rg({ Engine: "memcached" }), ...IPV },
  { name: "CreateReplicationGroup: unknown subnet group", op: "CreateReplicationGroup", input: rg({ CacheSubnetGroupName: "no-such-subnets" }), code: "CacheSubnetGroupNotFoundFault", status: 400 },
  { name: "CreateReplicationGroup: unknown parameter group", op: "CreateReplicationGroup", input: rg({ CacheParameterGroupName: "my-params" }), code: "CacheParameterGroupNotFound", status: 404 },
  { name: "CreateReplicationGroup: duplicate of an available group", op: "CreateReplicationGroup", input: rg({ ReplicationGroupId: "THREE-NODE" }), code: "ReplicationGroupAlreadyExists", status: 400 },
  { name: "CreateReplicationGroup: duplicate of a creating group", op: "CreateReplicationGroup", input: rg({ ReplicationGroupId: "slow-rg" }), code: "ReplicationGroupAlreadyExists", status: 400 },
  { name: "CreateReplicationGroup: a Port another program listens on", op: "CreateReplicationGroup", input: () => rg({ Port: takenPort }), ...IPV },
  { name: "CreateReplicationGroup: a Port a node already has", op: "CreateReplicationGroup", input: () => rg({ Port: allocatedPort }), ...IPV },

  // DescribeReplicationGroups
  { name: "DescribeReplicationGroups: not found", op: "DescribeReplicationGroups", input: { ReplicationGroupId: "nope" }, ...RG_NOT_FOUND },
  { name: "DescribeReplicationGroups: MaxRecords 19", op: "DescribeReplicationGroups", input: { MaxRecords: 19 }, ...IPV },

  // ModifyReplicationGroup
  { name: "ModifyReplicationGroup: not found", op: "ModifyReplicationGroup", input: { ReplicationGroupId: "nope", ReplicationGroupDescription: "x" }, ...RG_NOT_FOUND },
  { name: "ModifyReplicationGroup: while creating", op: "ModifyReplicationGroup", input: { ReplicationGroupId: "slow-rg", ReplicationGroupDescription: "x" }, ...RG_STATE, creating: true },
  { name: "ModifyReplicationGroup: automatic failover with 1 node", op: "ModifyReplicationGroup", input: { ReplicationGroupId: "one-node", AutomaticFailoverEnabled: true, ApplyImmediately: true }, ...IPC },
  { name: "ModifyReplicationGroup: MultiAZ without automatic failover", op: "ModifyReplicationGroup", input: { ReplicationGroupId: "three-node", MultiAZEnabled: true, ApplyImmediately: true }, ...IPC },
  { name: "ModifyReplicationGroup: unknown node type", op: "ModifyReplicationGroup", input: { ReplicationGroupId: "three-node", CacheNodeType: "cache.x9.enormous", ApplyImmediately: true }, ...IPV },

  // DeleteReplicationGroup
  { name: "DeleteReplicationGroup: not found", op: "DeleteReplicationGroup", input: { ReplicationGroupId: "nope" }, ...RG_NOT_FOUND },
  { name: "DeleteReplicationGroup: while creating", op: "DeleteReplicationGroup", input: { ReplicationGroupId: "slow-rg" }, ...RG_STATE, creating: true },

  // IncreaseReplicaCount
  { name: "IncreaseReplicaCount: not found", op: "IncreaseReplicaCount", input: { ReplicationGroupId: "nope", NewReplicaCount: 2, ApplyImmediately: true }, ...RG_NOT_FOUND },
  { name: "IncreaseReplicaCount: while creating", op: "IncreaseReplicaCount", input: { ReplicationGroupId: "slow-rg", NewReplicaCount: 3, ApplyImmediately: true }, ...RG_STATE, creating: true },
  { name: "IncreaseReplicaCount: no more than now", op: "IncreaseReplicaCount", input: { ReplicationGroupId: "three-node", NewReplicaCount: 2, ApplyImmediately: true }, ...IPV },
  { name: "IncreaseReplicaCount: 6 replicas", op: "IncreaseReplicaCount", input: { ReplicationGroupId: "three-node", NewReplicaCount: 6, ApplyImmediately: true }, ...IPV },
  { name: "IncreaseReplicaCount: without ApplyImmediately", op: "IncreaseReplicaCount", input: { ReplicationGroupId: "three-node", NewReplicaCount: 3 }, code: "MissingParameter", status: 400 },

  // DecreaseReplicaCount
  { name: "DecreaseReplicaCount: not found", op: "DecreaseReplicaCount", input: { ReplicationGroupId: "nope", NewReplicaCount: 1, ApplyImmediately: true }, ...RG_NOT_FOUND },
  { name: "DecreaseReplicaCount: while creating", op: "DecreaseReplicaCount", input: { ReplicationGroupId: "slow-rg", NewReplicaCount: 0, ApplyImmediately: true }, ...RG_STATE, creating: true },
  { name: "DecreaseReplicaCount: not fewer than now", op: "DecreaseReplicaCount", input: { ReplicationGroupId: "three-node", NewReplicaCount: 2, ApplyImmediately: true }, ...IPV },
  { name: "DecreaseReplicaCount: removing the primary", op: "DecreaseReplicaCount", input: { ReplicationGroupId: "three-node", ReplicasToRemove: ["three-node-001"], ApplyImmediately: true }, ...IPV },
  { name: "DecreaseReplicaCount: removing a cluster of another group", op: "DecreaseReplicaCount", input: { ReplicationGroupId: "three-node", ReplicasToRemove: ["solo"], ApplyImmediately: true }, ...IPV },
  { name: "DecreaseReplicaCount: both a count and a list", op: "DecreaseReplicaCount", input: { ReplicationGroupId: "three-node", NewReplicaCount: 1, ReplicasToRemove: ["three-node-003"], ApplyImmediately: true }, ...IPC },
  { name: "DecreaseReplicaCount: neither a count nor a list", op: "DecreaseReplicaCount", input: { ReplicationGroupId: "three-node", ApplyImmediately: true }, code: "MissingParameter", status: 400 },

  // CreateCacheCluster
  { name: "CreateCacheCluster: no engine", op: "CreateCacheCluster", input: { CacheClusterId: "new-cc" }, code: "MissingParameter", status: 400 },
  { name: "CreateCacheCluster: unknown engine", op: "CreateCacheCluster", input: cc({ Engine: "mongodb" }), ...IPV },
  { name: "CreateCacheCluster: Redis with NumCacheNodes 2", op: "CreateCacheCluster", input: cc({ NumCacheNodes: 2 }), ...IPV },
  { name: "CreateCacheCluster: Memcached with NumCacheNodes 41", op: "CreateCacheCluster", input: cc({ Engine: "memcached", NumCacheNodes: 41 }), ...IPV },
  { name: "CreateCacheCluster: Memcached with NumCacheNodes 0", op: "CreateCacheCluster", input: cc({ Engine: "memcached", NumCacheNodes: 0 }), ...IPV },
  { name: "CreateCacheCluster: unknown engine version", op: "CreateCacheCluster", input: cc({ Engine: "memcached", EngineVersion: "1.4.5" }), ...IPV },
  { name: "CreateCacheCluster: unknown node type", op: "CreateCacheCluster", input: cc({ CacheNodeType: "cache.x9.enormous" }), ...IPV },
  { name: "CreateCacheCluster: unknown subnet group", op: "CreateCacheCluster", input: cc({ CacheSubnetGroupName: "no-such-subnets" }), code: "CacheSubnetGroupNotFoundFault", status: 400 },
  { name: "CreateCacheCluster: unknown parameter group", op: "CreateCacheCluster", input: cc({ CacheParameterGroupName: "my-params" }), code: "CacheParameterGroupNotFound", status: 404 },
  { name: "CreateCacheCluster: duplicate", op: "CreateCacheCluster", input: cc({ CacheClusterId: "SOLO" }), code: "CacheClusterAlreadyExists", status: 400 },
  { name: "CreateCacheCluster: duplicate of a group member", op: "CreateCacheCluster", input: cc({ CacheClusterId: "three-node-002" }), code: "CacheClusterAlreadyExists", status: 400 },
  { name: "CreateCacheCluster: a Port another program listens on", op: "CreateCacheCluster", input: () => cc({ Port: takenPort }), ...IPV },
  { name: "CreateCacheCluster: into an unknown replication group", op: "CreateCacheCluster", input: { CacheClusterId: "new-cc", ReplicationGroupId: "nope" }, ...RG_NOT_FOUND },
  { name: "CreateCacheCluster: into a creating replication group", op: "CreateCacheCluster", input: { CacheClusterId: "new-cc", ReplicationGroupId: "slow-rg" }, ...RG_STATE, creating: true },
  { name: "CreateCacheCluster: Memcached into a replication group", op: "CreateCacheCluster", input: { CacheClusterId: "new-cc", ReplicationGroupId: "three-node", Engine: "memcached" }, ...IPC },
  { name: "CreateCacheCluster: 2 nodes into a replication group", op: "CreateCacheCluster", input: { CacheClusterId: "new-cc", ReplicationGroupId: "three-node", NumCacheNodes: 2 }, ...IPV },

  // DescribeCacheClusters
  { name: "DescribeCacheClusters: not found", op: "DescribeCacheClusters", input: { CacheClusterId: "nope" }, ...CC_NOT_FOUND },
  { name: "DescribeCacheClusters: MaxRecords 101", op: "DescribeCacheClusters", input: { MaxRecords: 101 }, ...IPV },

  // ModifyCacheCluster
  { name: "ModifyCacheCluster: not found", op: "ModifyCacheCluster", input: { CacheClusterId: "nope", NumCacheNodes: 1 }, ...CC_NOT_FOUND },
  { name: "ModifyCacheCluster: while creating", op: "ModifyCacheCluster", input: { CacheClusterId: "slow-cc", CacheNodeType: "cache.t3.small" }, ...CC_STATE, creating: true },
  { name: "ModifyCacheCluster: Redis to 2 nodes", op: "ModifyCacheCluster", input: { CacheClusterId: "solo", NumCacheNodes: 2 }, ...IPV },
  { name: "ModifyCacheCluster: Memcached to 41 nodes", op: "ModifyCacheCluster", input: { CacheClusterId: "mc", NumCacheNodes: 41 }, ...IPV },
  { name: "ModifyCacheCluster: fewer nodes without CacheNodeIdsToRemove", op: "ModifyCacheCluster", input: { CacheClusterId: "mc", NumCacheNodes: 1 }, ...IPC },
  { name: "ModifyCacheCluster: CacheNodeIdsToRemove not matching the count", op: "ModifyCacheCluster", input: { CacheClusterId: "mc", NumCacheNodes: 1, CacheNodeIdsToRemove: ["0001", "0002"] }, ...IPC },
  { name: "ModifyCacheCluster: removing a node that does not exist", op: "ModifyCacheCluster", input: { CacheClusterId: "mc", NumCacheNodes: 1, CacheNodeIdsToRemove: ["0009"] }, ...IPV },
  { name: "ModifyCacheCluster: unknown node type", op: "ModifyCacheCluster", input: { CacheClusterId: "solo", CacheNodeType: "cache.x9.enormous" }, ...IPV },
  { name: "ModifyCacheCluster: node type of a group member", op: "ModifyCacheCluster", input: { CacheClusterId: "three-node-002", CacheNodeType: "cache.t3.small" }, ...IPC },

  // DeleteCacheCluster
  { name: "DeleteCacheCluster: not found", op: "DeleteCacheCluster", input: { CacheClusterId: "nope" }, ...CC_NOT_FOUND },
  { name: "DeleteCacheCluster: while creating", op: "DeleteCacheCluster", input: { CacheClusterId: "slow-cc" }, ...CC_STATE, creating: true },
  { name: "DeleteCacheCluster: a member of a creating group", op: "DeleteCacheCluster", input: { CacheClusterId: "slow-rg-002" }, ...CC_STATE, creating: true },
  { name: "DeleteCacheCluster: the primary of a group", op: "DeleteCacheCluster", input: { CacheClusterId: "three-node-001" }, ...CC_STATE },

  // RebootCacheCluster
  { name: "RebootCacheCluster: not found", op: "RebootCacheCluster", input: { CacheClusterId: "nope", CacheNodeIdsToReboot: ["0001"] }, ...CC_NOT_FOUND },
  { name: "RebootCacheCluster: while creating", op: "RebootCacheCluster", input: { CacheClusterId: "slow-cc", CacheNodeIdsToReboot: ["0001"] }, ...CC_STATE, creating: true },
  { name: "RebootCacheCluster: unknown node id", op: "RebootCacheCluster", input: { CacheClusterId: "solo", CacheNodeIdsToReboot: ["0002"] }, ...IPV },
  { name: "RebootCacheCluster: no node ids", op: "RebootCacheCluster", input: { CacheClusterId: "solo", CacheNodeIdsToReboot: [] }, code: "MissingParameter", status: 400 },

  // DescribeEvents
  { name: "DescribeEvents: SourceIdentifier without SourceType", op: "DescribeEvents", input: { SourceIdentifier: "three-node" }, ...IPC },
  { name: "DescribeEvents: unknown SourceType", op: "DescribeEvents", input: { SourceType: "galaxy" }, ...IPV },
  { name: "DescribeEvents: Duration above 14 days", op: "DescribeEvents", input: { Duration: 20161 }, ...IPV },
  { name: "DescribeEvents: StartTime after EndTime", op: "DescribeEvents", input: { StartTime: new Date("2030-01-02T00:00:00Z"), EndTime: new Date("2030-01-01T00:00:00Z") }, ...IPC },

  // Cache subnet groups in use
  { name: "DeleteCacheSubnetGroup: in use by a (creating) group", op: "DeleteCacheSubnetGroup", input: { CacheSubnetGroupName: "busy-subnets" }, code: "CacheSubnetGroupInUse", status: 400 },
];

/** The REST request for an operation, as curl would send it. */
function restOf(op: string, input: Record<string, any>): { method: string; path: string; body?: unknown } {
  const { ReplicationGroupId, CacheClusterId, CacheSubnetGroupName, ...rest } = input;
  const body = Object.keys(rest).length > 0 ? rest : undefined;
  const query = (fields: Record<string, any>) => {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(fields)) {
      if (value === undefined) continue;
      params.set(key, value instanceof Date ? value.toISOString() : String(value));
    }
    const text = params.toString();
    return text ? `?${text}` : "";
  };
  const enc = encodeURIComponent;
  switch (op) {
    case "CreateReplicationGroup":
      return { method: "POST", path: GROUPS, body: input };
    case "DescribeReplicationGroups":
      return { method: "GET", path: `${GROUPS}${query(input)}` };
    case "ModifyReplicationGroup":
      return { method: "PATCH", path: `${GROUPS}/${enc(ReplicationGroupId)}`, body: { ...rest, CacheClusterId } };
    case "DeleteReplicationGroup":
      return { method: "DELETE", path: `${GROUPS}/${enc(ReplicationGroupId)}`, body };
    case "IncreaseReplicaCount":
      return { method: "POST", path: `${GROUPS}/${enc(ReplicationGroupId)}/increase-replica-count`, body: body ?? {} };
    case "DecreaseReplicaCount":
      return { method: "POST", path: `${GROUPS}/${enc(ReplicationGroupId)}/decrease-replica-count`, body: body ?? {} };
    case "CreateCacheCluster":
      return { method: "POST", path: CLUSTERS, body: input };
    case "DescribeCacheClusters":
      return { method: "GET", path: `${CLUSTERS}${query(input)}` };
    case "ModifyCacheCluster":
      return { method: "PATCH", path: `${CLUSTERS}/${enc(CacheClusterId)}`, body: { ...rest, ReplicationGroupId } };
    case "DeleteCacheCluster":
      return { method: "DELETE", path: `${CLUSTERS}/${enc(CacheClusterId)}`, body };
    case "RebootCacheCluster":
      return { method: "POST", path: `${CLUSTERS}/${enc(CacheClusterId)}/reboot`, body: body ?? {} };
    case "DescribeEvents":
      return { method: "GET", path: `/v1/events${query(input)}` };
    case "DeleteCacheSubnetGroup":
      return { method: "DELETE", path: `/v1/cache-subnet-groups/${enc(CacheSubnetGroupName)}` };
    default:
      throw new Error(`no REST mapping for ${op}`);
  }
}

/** The input without undefined members (top level; Dates kept for the SDK). */
const clean = (value: Record<string, unknown> | undefined) =>
  value === undefined ? undefined : Object.fromEntries(Object.entries(value).filter(([, member]) => member !== undefined));

async function expectRestFailure(testCase: Case) {
  const input = typeof testCase.input === "function" ? testCase.input() : testCase.input;
  const request = restOf(testCase.op, input);
  const response = await target.api.rest(request.method, request.path, clean(request.body as Record<string, unknown> | undefined));
  expect({ status: response.status, code: response.body?.Error?.Code }, JSON.stringify(response.body)).toEqual({ status: testCase.status, code: testCase.code });
  expect(response.body.Error.Type).toBe("Sender");
  expect(response.body.Error.Message.length).toBeGreaterThan(10);
}

async function expectSdkFailure(testCase: Case) {
  const input = typeof testCase.input === "function" ? testCase.input() : testCase.input;
  const error = await target.api.send(testCase.op, clean(input) ?? {}).then(
    (output) => new Error(`succeeded: ${JSON.stringify(output).slice(0, 300)}`),
    (failure) => failure,
  );
  expect(error).toBeInstanceOf(ApiError);
  expect({ status: error.status, code: error.code }, error.message).toEqual({ status: testCase.status, code: testCase.code });
}

const whileCreating = cases.filter((testCase) => testCase.creating);
const otherCases = cases.filter((testCase) => !testCase.creating);

describe("bad input to the real-nodes operations", () => {
  describe("operations on resources still creating", () => {
    it("the fixtures are in the states the cases need", async () => {
      expect((await target.api.group("slow-rg")).Status).toBe("creating");
      expect((await target.api.cluster("slow-cc")).CacheClusterStatus).toBe("creating");
      expect((await target.api.group("three-node")).Status).toBe("available");
    });
    it.each(whileCreating)("REST: $name → $code $status", expectRestFailure);
    it.each(whileCreating)("AWS SDK: $name → $code $status", expectSdkFailure);
    it("the slow fixtures were still creating after these cases", async () => {
      expect((await target.api.group("slow-rg")).Status).toBe("creating");
      expect((await target.api.cluster("slow-cc")).CacheClusterStatus).toBe("creating");
    });
  });

  describe("REST (as curl)", () => {
    it.each(otherCases)("$name → $code $status", expectRestFailure);
  });

  describe("Query protocol (AWS SDK)", () => {
    it.each(otherCases)("$name → $code $status", expectSdkFailure);
  });

  it("the failed requests created nothing", async () => {
    const groups = (await target.api.ok("GET", GROUPS)).ReplicationGroups.map((group: any) => group.ReplicationGroupId);
    expect(groups).toEqual(["one-node", "slow-rg", "three-node"]);
    const clusters = (await target.api.ok("GET", CLUSTERS)).CacheClusters.map((cluster: any) => cluster.CacheClusterId);
    expect(clusters).toEqual(["mc", "one-node-001", "slow-cc", "slow-rg-001", "slow-rg-002", "solo", "three-node-001", "three-node-002", "three-node-003"]);
    expect((await target.api.group("three-node")).MemberClusters).toEqual(["three-node-001", "three-node-002", "three-node-003"]);
    expect((await target.api.cluster("mc")).NumCacheNodes).toBe(2);
  });

  it("the creating fixtures do become available, and deletable", async () => {
    await target.api.waitGroup("slow-rg", "available", 30_000);
    await target.api.waitCluster("slow-cc", "available", 30_000);
    const nodes = await runningNodes(target);
    expect(nodes).toEqual(expect.arrayContaining(["slow-rg-001-0001", "slow-rg-002-0001", "slow-cc-0001"]));
  });

  it("concurrent duplicate CreateReplicationGroup of one id: exactly one succeeds, the others get ReplicationGroupAlreadyExists", async () => {
    const attempts = await Promise.all(
      Array.from({ length: 6 }, (_, index) =>
        index % 2 === 0
          ? target.api.rest("POST", GROUPS, { ReplicationGroupId: "twin-rg", ReplicationGroupDescription: `attempt ${index}`, NumCacheClusters: 2 })
          : target.api.send("CreateReplicationGroup", { ReplicationGroupId: "twin-rg", ReplicationGroupDescription: `attempt ${index}`, NumCacheClusters: 2 }).then(
              (output) => ({ status: 200, body: output }),
              (error: ApiError) => ({ status: error.status, body: { Error: { Code: error.code } } }),
            ),
      ),
    );
    const statuses = attempts.map((attempt) => attempt.status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(1);
    for (const attempt of attempts.filter((candidate) => candidate.status !== 200)) {
      expect(attempt).toMatchObject({ status: 400, body: { Error: { Code: "ReplicationGroupAlreadyExists" } } });
    }
    const group = await target.api.waitGroup("twin-rg");
    expect(group.MemberClusters).toEqual(["twin-rg-001", "twin-rg-002"]);
    expect((await runningNodes(target)).filter((node) => node.startsWith("twin-rg-"))).toEqual(["twin-rg-001-0001", "twin-rg-002-0001"]);
  });

  it("concurrent duplicate CreateCacheCluster of one id: exactly one succeeds, the others get CacheClusterAlreadyExists", async () => {
    const attempts = await Promise.all(
      Array.from({ length: 6 }, () => target.api.rest("POST", CLUSTERS, { CacheClusterId: "twin-cc", Engine: "memcached", NumCacheNodes: 2 })),
    );
    expect(attempts.filter((attempt) => attempt.status === 200)).toHaveLength(1);
    for (const attempt of attempts.filter((candidate) => candidate.status !== 200)) {
      expect({ status: attempt.status, code: attempt.body.Error.Code }).toEqual({ status: 400, code: "CacheClusterAlreadyExists" });
    }
    const cluster = await target.api.waitCluster("twin-cc");
    expect(cluster.CacheNodes.map((node: any) => node.CacheNodeId)).toEqual(["0001", "0002"]);
    expect((await runningNodes(target)).filter((node) => node.startsWith("twin-cc-"))).toEqual(["twin-cc-0001", "twin-cc-0002"]);
  });
});
