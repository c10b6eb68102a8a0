/**
 * Never two writable primaries (issue 13, item 2), with both runtimes. While every node's ROLE is
 * sampled every 20 ms and an application writes to every node's own endpoint (ReadEndpoint, as
 * AWS hands it out), the group goes through a primary killed, TestFailover, a replica killed, a
 * replica rebooted, IncreaseReplicaCount and a cache cluster joining the group. Then:
 *   - no two nodes were masters at once: each sample is ROLE and TIME in one MULTI, so it carries
 *     the node's own clock (one kernel clock for processes and containers alike), and no node
 *     answered master between two master answers of another by the same process (INFO run_id);
 *   - no acknowledged write was lost: every OK a node gave is on the final primary. A node that
 *     came back, or came new, as a master with an empty dataset would take writes and then drop
 *     them when it syncs.
 */
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../helpers/eventually.ts";
import {
  closeRedisClients,
  crashNode,
  endpointsOf,
  nodeIdentity,
  redis,
  runtimesUnderTest,
  startNodeServer,
  waitForLinkUp,
  waitSettled,
  type Endpoint,
  type NodeServer,
  type RuntimeKind,
} from "../helpers/nodes.ts";
import { ContinuousWriter } from "../helpers/writer.ts";

const runtimes = await runtimesUnderTest();
const GROUP = "solo";
const SAMPLE_EVERY_MS = 20;

interface Sample {
  /** Microseconds on the node's clock (TIME), when ROLE was answered. */
  at: number;
  role: string;
  /** The answering process (INFO server's run_id): a restarted node is another process. */
  run: string;
}

/** ROLE and TIME of every node, every 20 ms, over one connection per node that reconnects at once. */
class RoleSampler {
  readonly samples = new Map<string, Sample[]>();
  private readonly clients = new Map<string, Redis>();
  private readonly busy = new Set<string>();
  private readonly timer: NodeJS.Timeout;

  constructor() {
    this.timer = setInterval(() => this.round(), SAMPLE_EVERY_MS);
  }

  watch(node: string, endpoint: Endpoint): void {
    if (this.clients.has(node)) return;
    const client = new Redis({
      host: endpoint.Address,
      port: endpoint.Port,
      retryStrategy: () => 5,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      connectTimeout: 500,
      commandTimeout: 500,
    });
    client.on("error", () => undefined);
    this.clients.set(node, client);
    this.samples.set(node, []);
  }

  private round(): void {
    for (const [node, client] of this.clients) {
      if (this.busy.has(node) || client.status !== "ready") continue;
      this.busy.add(node);
      client
        .multi()
        .role()
        .time()
        .info("server")
        .exec()
        .then((replies) => {
          const [[roleError, role], [timeError, time], [infoError, info]] = replies as [[Error | null, unknown[]], [Error | null, [string, string]], [Error | null, string]];
          if (roleError || timeError || infoError) return;
          const run = /run_id:(\w+)/.exec(info)?.[1] ?? "";
          this.samples.get(node)!.push({ at: Number(time[0]) * 1e6 + Number(time[1]), role: String(role[0]), run });
        })
        .catch(() => undefined)
        .finally(() => this.busy.delete(node));
    }
  }

  stop(): void {
    clearInterval(this.timer);
    for (const client of this.clients.values()) client.disconnect();
  }
}

/**
 * Master answers of one node that fall between two master answers of another by the same process,
 * with nothing else between. Two answers of different processes say nothing about the time between
 * them (the node was down, then restarted, and the sampler may not have caught its replica answers
 * before a later promotion); a restarted node that comes back as a master is still caught, from
 * the side of the node that was master all along.
 */
function simultaneousMasters(samples: Map<string, Sample[]>): string[] {
  const found: string[] = [];
  const sorted = new Map([...samples].map(([node, list]) => [node, [...list].sort((a, b) => a.at - b.at)]));
  for (const [node, list] of sorted) {
    for (const sample of list.filter((candidate) => candidate.role === "master")) {
      for (const [other, others] of sorted) {
        if (other === node) continue;
        const after = others.findIndex((candidate) => candidate.at >= sample.at);
        if (after <= 0) continue;
        const [before, next] = [others[after - 1], others[after]];
        if (before.role === "master" && next.role === "master" && before.run === next.run) {
          found.push(`${node} answered master at ${sample.at} µs while ${other} was master (${others[after - 1].at}..${others[after].at} µs)`);
        }
      }
    }
  }
  return found;
}

/**
 * Why writes were lost, for a failure that happens once in many runs: the group's events with their
 * times, and what each node holds (role, keys, whether it has the first and last lost key).
 */
async function whereLost(group: any, lost: string[]): Promise<string> {
  const lines: string[] = [];
  for (const [member, { endpoint, role }] of Object.entries(endpointsOf(group).members)) {
    const client = redis(endpoint);
    const [size, first, last, replication] = await Promise.all([client.dbsize(), client.exists(lost[0]), client.exists(lost.at(-1)!), client.info("replication")]);
    lines.push(`${member} (${role}): ${size} keys, has ${lost[0]}: ${first}, has ${lost.at(-1)}: ${last}; ${replication.split("\r\n").filter((line) => /^(role|master_host|master_link_status|master_replid|master_repl_offset):/.test(line)).join(" ")}`);
  }
  return `\n${lines.join("\n")}\nevents:\n${(await diagnosticEvents()).join("\n")}`;
}

let diagnosticEvents: () => Promise<string[]> = async () => [];

describe.each(runtimes)("never two writable primaries (%s runtime)", (runtime: RuntimeKind) => {
  let target: NodeServer;
  let sampler: RoleSampler;
  const writers = new Map<string, ContinuousWriter>();

  beforeAll(async () => {
    target = await startNodeServer(runtime, { tag: `sp${runtime[0]}` });
    diagnosticEvents = async () => {
      const events = [...(await target.api.events("replication-group")), ...(await target.api.events("cache-cluster"))];
      return events.sort((a, b) => a.Date.localeCompare(b.Date)).map((event) => `${event.Date} ${event.SourceIdentifier}: ${event.Message}`);
    };
  });
  afterAll(async () => {
    sampler?.stop();
    for (const writer of writers.values()) await writer.stop();
    closeRedisClients();
    await target?.destroy();
  });

  /** Samples and writes to every member of the group not yet watched, from the endpoints the API hands out. */
  function watchMembers(group: any): void {
    for (const [member, { endpoint }] of Object.entries(endpointsOf(group).members)) {
      sampler.watch(member, endpoint);
      if (!writers.has(member)) writers.set(member, new ContinuousWriter(endpoint.Port, endpoint.Address, `${member}:`, { pauseMs: 1 }));
    }
  }

  const primaryOf = (group: any): string => group.NodeGroups[0].NodeGroupMembers.find((member: any) => member.CurrentRole === "primary").CacheClusterId;

  /** Waits until `node` runs as another process or container than `before`, then until the group is settled and every replica linked. */
  async function settledAfter(node: string, before: string | undefined): Promise<any> {
    await eventually(async () => {
      const now = await nodeIdentity(target, node);
      return now !== undefined && now !== before;
    }, 30_000, `${node} running again`);
    const group = await waitSettled(target, GROUP);
    const { members } = endpointsOf(group);
    for (const { endpoint, role } of Object.values(members)) if (role === "replica") await waitForLinkUp(endpoint, 20_000);
    return group;
  }

  it("through kills, TestFailover, a reboot and new replicas, no two masters at once and no acknowledged write lost", async () => {
    sampler = new RoleSampler();
    const created = await target.api.ok("POST", "/v1/replication-groups?wait=true", {
      ReplicationGroupId: GROUP,
      ReplicationGroupDescription: "one primary at a time",
      NumCacheClusters: 3,
      AutomaticFailoverEnabled: true,
    });
    let group = await waitSettled(target, GROUP);
    expect(created.ReplicationGroup.Status).toBe("available");
    watchMembers(group);
    const writes = () => [...writers.values()].reduce((sum, writer) => sum + writer.report.acked.length, 0);
    await eventually(() => writes() > 100, 10_000, "writes before the first kill");

    // The primary crashes: a replica is promoted and the old primary recovers as a replica.
    let primary = primaryOf(group);
    let before = await nodeIdentity(target, `${primary}-0001`);
    crashNode(target, `${primary}-0001`);
    group = await settledAfter(`${primary}-0001`, before);
    expect(primaryOf(group)).not.toBe(primary);

    // TestFailover: the control plane stops the primary, promotes a replica and recovers the old one.
    primary = primaryOf(group);
    before = await nodeIdentity(target, `${primary}-0001`);
    await target.api.send("TestFailover", { ReplicationGroupId: GROUP, NodeGroupId: "0001" });
    group = await settledAfter(`${primary}-0001`, before);
    expect(primaryOf(group)).not.toBe(primary);

    // A replica crashes and is recovered in place.
    const replicas = () => Object.entries(endpointsOf(group).members).filter(([, member]) => member.role === "replica").map(([id]) => id);
    let replica = replicas()[0];
    before = await nodeIdentity(target, `${replica}-0001`);
    crashNode(target, `${replica}-0001`);
    group = await settledAfter(`${replica}-0001`, before);

    // A replica is rebooted: restarted in place.
    replica = replicas()[1];
    before = await nodeIdentity(target, `${replica}-0001`);
    await target.api.send("RebootCacheCluster", { CacheClusterId: replica, CacheNodeIdsToReboot: ["0001"] });
    group = await settledAfter(`${replica}-0001`, before);

    // A replica is added: watched from the moment the API names its endpoint, before its node starts.
    const increased = await target.api.send("IncreaseReplicaCount", { ReplicationGroupId: GROUP, NewReplicaCount: 3, ApplyImmediately: true });
    watchMembers(increased.ReplicationGroup);
    const added = increased.ReplicationGroup.MemberClusters.find((id: string) => !(id in endpointsOf(group).members));
    group = await settledAfter(`${added}-0001`, undefined);

    // A cache cluster joins the group as a replica.
    const joined = await target.api.ok("POST", "/v1/cache-clusters", { CacheClusterId: `${GROUP}-joined`, ReplicationGroupId: GROUP });
    const joinedEndpoint: Endpoint = joined.CacheCluster.CacheNodes[0].Endpoint;
    sampler.watch(`${GROUP}-joined`, joinedEndpoint);
    writers.set(`${GROUP}-joined`, new ContinuousWriter(joinedEndpoint.Port, joinedEndpoint.Address, `${GROUP}-joined:`, { pauseMs: 1 }));
    group = await settledAfter(`${GROUP}-joined-0001`, undefined);
    await eventually(() => (sampler.samples.get(`${GROUP}-joined`)?.length ?? 0) > 10, 10_000, "samples of the joined replica");

    sampler.stop();
    const reports = new Map<string, number[]>();
    for (const [node, writer] of writers) reports.set(node, (await writer.stop()).acked);
    writers.clear();

    // Every node was sampled, and roles did change hands.
    for (const [node, samples] of sampler.samples) expect(samples.length, `samples of ${node}`).toBeGreaterThan(10);
    const mastersSeen = [...sampler.samples].filter(([, samples]) => samples.some((sample) => sample.role === "master")).map(([node]) => node);
    expect(mastersSeen.length).toBeGreaterThanOrEqual(2);
    expect(simultaneousMasters(sampler.samples)).toEqual([]);

    // Every acknowledged write is on the final primary.
    const final = redis(group.NodeGroups[0].PrimaryEndpoint);
    let total = 0;
    const lost: string[] = [];
    for (const [node, acked] of reports) {
      total += acked.length;
      for (let from = 0; from < acked.length; from += 1000) {
        const keys = acked.slice(from, from + 1000).map((i) => `${node}:${i}`);
        const values = await final.mget(...keys);
        keys.forEach((key, index) => {
          if (values[index] !== key.slice(key.lastIndexOf(":") + 1)) lost.push(key);
        });
      }
    }
    // Writes were acknowledged by more than one node: the primary did move under the writers.
    expect([...reports.values()].filter((acked) => acked.length > 0).length).toBeGreaterThanOrEqual(2);
    expect(total).toBeGreaterThan(200);
    expect(lost.slice(0, 20), `${lost.length} of ${total} acknowledged writes lost${lost.length > 0 ? await whereLost(group, lost) : ""}`).toEqual([]);
  }, 240_000);
});
