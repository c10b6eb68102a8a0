/**
 * Two API instances on one PostgreSQL database under contention (both ECL_CONTROLLERS=false: the
 * writes are the API's own, no node is started). Many creates of *different* ids at once, spread
 * over both instances, and many modifications of one resource at once through both: PostgreSQL
 * aborts some of these transactions as conflicts, at a statement or at COMMIT, and the store runs
 * them again. Every answer is a success or an AWS error, never an internal error (HTTP 500), and
 * the database ends consistent: every create that was answered with success left its resource
 * once, every refused one left nothing. (A create may be refused as a client error without any
 * fault: ports picked at once by several creates are claimed by one, the others pick again, a
 * few times, then answer "try again".)
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { Api, ApiError } from "../helpers/clients.ts";
import { postgresqlServer, stopPostgresqlServer } from "../helpers/databases.ts";
import { portRange } from "../helpers/nodes.ts";
import { startServer, type RunningServer } from "../helpers/server.ts";

let servers: RunningServer[] = [];
let apis: Api[] = [];
/** The group the modifications go to (made by the second test). */
let hotArn: string;

beforeAll(async () => {
  const { url } = await (await postgresqlServer()).freshDatabase();
  const [from, to] = await portRange(300);
  const env = { DATABASE_URL: url, ECL_CONTROLLERS: "false", ECL_PORT_RANGE: `${from}-${to}` };
  servers = await Promise.all([startServer({ env }), startServer({ env })]);
  apis = servers.map((server) => new Api(server.url));
});

afterAll(async () => {
  for (const api of apis) api.close();
  await Promise.all(servers.map((server) => server.cleanup()));
  await stopPostgresqlServer();
});

type Answer = { ok: true; value: any } | { ok: false; code: string; status?: number };

/** Sends and keeps the answer; anything that is not a success or an ApiError is the test's failure. */
async function answer(api: Api, operation: string, input: Record<string, unknown>): Promise<Answer> {
  try {
    return { ok: true, value: await api.send(operation, input) };
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    return { ok: false, code: error.code, status: error.status };
  }
}

/** The failures that are not AWS client errors: internal errors, HTTP 5xx. */
const internal = (answers: Answer[]) => answers.filter((one) => !one.ok && !(one.status! >= 400 && one.status! < 500 && one.code !== "InternalFailure"));

const through = (index: number) => apis[index % apis.length];

const group = (id: string) => ({ ReplicationGroupId: id, ReplicationGroupDescription: id, NumCacheClusters: 2 });

it("many creates of different ids at once through both instances: each answered, each one answered with success there once, the refused ones not at all", async () => {
  const ids = Array.from({ length: 24 }, (_, index) => `many-${index}`);
  const answers = await Promise.all(ids.map((id, index) => answer(through(index), "CreateReplicationGroup", group(id))));
  expect(internal(answers)).toEqual([]);
  const created = ids.filter((_, index) => answers[index].ok);
  expect(created.length).toBeGreaterThan(0);
  for (const api of apis) {
    const { ReplicationGroups } = await api.send("DescribeReplicationGroups", {});
    const seen = ReplicationGroups.map((one: { ReplicationGroupId: string }) => one.ReplicationGroupId).filter((id: string) => id.startsWith("many-"));
    expect([...seen].sort()).toEqual([...created].sort());
    const { CacheClusters } = await api.send("DescribeCacheClusters", {});
    expect(CacheClusters.filter((one: { ReplicationGroupId?: string }) => one.ReplicationGroupId?.startsWith("many-"))).toHaveLength(2 * created.length);
  }
});

it("many modifications of one resource at once through both instances: each answered, all applied", async () => {
  const { ReplicationGroup } = await apis[0].send("CreateReplicationGroup", group("hot"));
  hotArn = ReplicationGroup.ARN;
  await apis[1].send("CreateCacheParameterGroup", { CacheParameterGroupName: "hot-params", CacheParameterGroupFamily: "redis7", Description: "hot" });
  const writers = Array.from({ length: 16 }, (_, index) => index);
  const answers = await Promise.all([
    ...writers.map((index) => answer(through(index), "AddTagsToResource", { ResourceName: ReplicationGroup.ARN, Tags: [{ Key: `k${index}`, Value: `v${index}` }] })),
    ...writers.map((index) =>
      answer(through(index + 1), "ModifyCacheParameterGroup", { CacheParameterGroupName: "hot-params", ParameterNameValues: [{ ParameterName: "timeout", ParameterValue: String(100 + index) }] }),
    ),
  ]);
  expect(internal(answers)).toEqual([]);
  expect(answers.filter((one) => !one.ok)).toEqual([]);
  const { TagList } = await apis[1].send("ListTagsForResource", { ResourceName: ReplicationGroup.ARN });
  expect(TagList.map((tag: { Key: string }) => tag.Key).sort()).toEqual(writers.map((index) => `k${index}`).sort());
  const { Parameters } = await apis[0].send("DescribeCacheParameters", { CacheParameterGroupName: "hot-params" });
  const timeout = Parameters.find((parameter: { ParameterName: string }) => parameter.ParameterName === "timeout");
  expect(writers.map((index) => String(100 + index))).toContain(timeout.ParameterValue);
});

it("creates and modifications mixed, of new ids and of one id from both sides: answered, and each id there once", async () => {
  const ids = Array.from({ length: 12 }, (_, index) => `mixed-${index}`);
  const answers = await Promise.all([
    ...ids.map((id, index) => answer(through(index), "CreateReplicationGroup", group(id))),
    // The same id from both instances: one wins, the other is told it exists.
    ...[0, 1].map((index) => answer(through(index), "CreateReplicationGroup", group("contested"))),
    ...Array.from({ length: 8 }, (_, index) => answer(through(index), "AddTagsToResource", { ResourceName: hotArn, Tags: [{ Key: `m${index}`, Value: "v" }] })),
  ]);
  expect(internal(answers)).toEqual([]);
  const contested = answers.slice(ids.length, ids.length + 2);
  // One wins; the other is refused (as existing, or as having lost its ports to the others).
  expect(contested.filter((one) => one.ok)).toHaveLength(1);
  const { ReplicationGroups } = await apis[1].send("DescribeReplicationGroups", {});
  const seen = ReplicationGroups.map((one: { ReplicationGroupId: string }) => one.ReplicationGroupId);
  expect(seen.filter((one: string) => one === "contested")).toHaveLength(1);
  ids.forEach((id, index) => expect(seen.filter((one: string) => one === id)).toHaveLength(answers[index].ok ? 1 : 0));
  expect(answers.slice(ids.length + 2).filter((one) => !one.ok)).toEqual([]);
});
