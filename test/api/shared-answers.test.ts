/**
 * Describe answers shared between requests until the database changes (elasticache/shared-answers.ts)
 * and their bodies serialized once (aws/query-bodies.ts, http/json-bodies.ts), against a real
 * control plane with a real group (process runtime): every write is seen by the very next
 * Describe over both protocols, each Query answer carries its own request id, a request that
 * asks for something else (ShowCacheNodeInfo) gets its own answer, and the bodies are what the
 * AWS SDK and the REST schema expect.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { CLUSTERS, GROUPS } from "../helpers/clients.ts";
import { startNodeServer, type NodeServer } from "../helpers/nodes.ts";

let target: NodeServer;
const GROUP = "shared";

beforeAll(async () => {
  target = await startNodeServer("process", { tag: "shared" });
  await target.api.ok("POST", GROUPS, { ReplicationGroupId: GROUP, ReplicationGroupDescription: "first", NumCacheClusters: 2 });
});
afterAll(async () => target?.destroy());

/** A raw Query call: status, headers and the body as sent. */
async function query(action: string, extra: Record<string, string> = {}) {
  const response = await fetch(`${target.api.url}/`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ Action: action, Version: "2015-02-02", ...extra }).toString(),
  });
  const bytes = Buffer.from(await response.arrayBuffer());
  return { status: response.status, headers: response.headers, bytes, text: bytes.toString("utf8") };
}

/** A raw REST GET: status, headers and the parsed body. */
async function rest(path: string) {
  const response = await fetch(target.api.url + path);
  const bytes = Buffer.from(await response.arrayBuffer());
  return { status: response.status, headers: response.headers, bytes, body: JSON.parse(bytes.toString("utf8")) };
}

it("the group moves from creating to available in the answers of both protocols", async () => {
  const created = await rest(GROUPS);
  expect(created.body.ReplicationGroups.map((group: any) => group.ReplicationGroupId)).toEqual([GROUP]);
  // A cached answer that outlived a change would stay "creating" here.
  await target.api.waitGroup(GROUP);
  const { ReplicationGroups } = await target.api.send("DescribeReplicationGroups", {});
  expect(ReplicationGroups.map((group: any) => [group.ReplicationGroupId, group.Status])).toEqual([[GROUP, "available"]]);
  expect((await rest(GROUPS)).body.ReplicationGroups[0].Status).toBe("available");
});

it("each Query answer carries its own request id; apart from it the bodies are the same", async () => {
  const [first, second] = [await query("DescribeReplicationGroups"), await query("DescribeReplicationGroups")];
  for (const answer of [first, second]) {
    expect(answer.status).toBe(200);
    expect(answer.headers.get("content-type")).toBe("text/xml");
    expect(Number(answer.headers.get("content-length"))).toBe(answer.bytes.length);
    expect(answer.text).toContain(`<RequestId>${answer.headers.get("x-amzn-requestid")}</RequestId></ResponseMetadata></DescribeReplicationGroupsResponse>`);
  }
  expect(first.headers.get("x-amzn-requestid")).not.toBe(second.headers.get("x-amzn-requestid"));
  const withoutId = (text: string) => text.replace(/<RequestId>[^<]*<\/RequestId>/, "");
  expect(withoutId(second.text)).toBe(withoutId(first.text));
  expect(first.text).toContain(`<ReplicationGroupId>${GROUP}</ReplicationGroupId>`);
});

it("REST answers are the same JSON again, with the route's content type and length (HEAD too); one group's route gives the list's item", async () => {
  const [first, second] = [await rest(GROUPS), await rest(GROUPS)];
  for (const answer of [first, second]) {
    expect(answer.status).toBe(200);
    expect(answer.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect(Number(answer.headers.get("content-length"))).toBe(answer.bytes.length);
  }
  expect(second.bytes.equals(first.bytes)).toBe(true);
  const head = await fetch(target.api.url + GROUPS, { method: "HEAD" });
  expect([head.status, head.headers.get("content-type"), Number(head.headers.get("content-length"))]).toEqual([200, "application/json; charset=utf-8", first.bytes.length]);
  expect((await rest(`${GROUPS}/${GROUP}`)).body).toEqual({ ReplicationGroup: first.body.ReplicationGroups[0] });
  expect((await rest(`${GROUPS}/${GROUP}`)).body).toEqual({ ReplicationGroup: first.body.ReplicationGroups[0] });
});

it("ShowCacheNodeInfo asked alternately gets nodes only when asked, over both protocols", async () => {
  for (let round = 0; round < 2; round++) {
    for (const show of [true, false]) {
      const restClusters = (await rest(`${CLUSTERS}${show ? "?ShowCacheNodeInfo=true" : ""}`)).body.CacheClusters;
      const sdkClusters = (await target.api.send("DescribeCacheClusters", show ? { ShowCacheNodeInfo: true } : {})).CacheClusters;
      for (const clusters of [restClusters, sdkClusters]) {
        expect(clusters.map((cluster: any) => cluster.CacheClusterId).sort()).toEqual([`${GROUP}-001`, `${GROUP}-002`]);
        expect(clusters.every((cluster: any) => (cluster.CacheNodes?.length ?? 0) === (show ? 1 : 0))).toBe(true);
      }
      const xml = (await query("DescribeCacheClusters", show ? { ShowCacheNodeInfo: "true" } : {})).text;
      expect(xml.includes("<CacheNodes>")).toBe(show);
    }
  }
});

it("a modification is in the very next Describe of both protocols, list and single", async () => {
  // Answers of the current data in every form first, so that stale ones would be there to serve.
  await Promise.all([rest(GROUPS), rest(`${GROUPS}/${GROUP}`), query("DescribeReplicationGroups"), target.api.send("DescribeReplicationGroups", { ReplicationGroupId: GROUP })]);
  await target.api.ok("PATCH", `${GROUPS}/${GROUP}`, { ReplicationGroupDescription: "second" });
  expect((await rest(GROUPS)).body.ReplicationGroups[0].Description).toBe("second");
  expect((await rest(`${GROUPS}/${GROUP}`)).body.ReplicationGroup.Description).toBe("second");
  expect((await query("DescribeReplicationGroups")).text).toContain("<Description>second</Description>");
  const { ReplicationGroups } = await target.api.send("DescribeReplicationGroups", { ReplicationGroupId: GROUP });
  expect(ReplicationGroups[0].Description).toBe("second");
});
