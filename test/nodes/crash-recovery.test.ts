/**
 * kill -9 of the control plane in the middle of work, with both runtimes: a create is sent, the
 * server is SIGKILLed 0–50 ms after its response (while the reconciler is starting nodes),
 * then started again on the same data dir and port. The group must become available with
 * exactly its 3 nodes (no duplicate process or container, no node left without an owner), and
 * replicate. The same for a delete interrupted by kill -9: the restarted server finishes it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, sleep } from "../helpers/eventually.ts";
import { GROUPS } from "../helpers/clients.ts";
import { nodeProcessesUnder } from "../helpers/cleanup.ts";
import {
  closeRedisClients,
  containersOf,
  endpointsOf,
  memberIds,
  nodeDirOf,
  nodeDirs,
  pidFileOf,
  redisCommand,
  runningNodes,
  runtimesUnderTest,
  startNodeServer,
  waitForLinkUp,
  waitForValue,
  type NodeServer,
} from "../helpers/nodes.ts";

const RUNTIMES = await runtimesUnderTest();
/** Docker runs fewer rounds: each costs a restart plus three container starts. */
const DELAYS_MS: Record<string, number[]> = { process: [0, 20, 50], docker: [30] };

afterAll(() => closeRedisClients());

/** Node names every resource the API knows should have running. */
async function expectedNodes(target: NodeServer): Promise<string[]> {
  const clusters = (await target.api.ok("GET", "/v1/cache-clusters?ShowCacheNodeInfo=true")).CacheClusters;
  return clusters.flatMap((cluster: any) => cluster.CacheNodes.map((node: any) => `${cluster.CacheClusterId}-${node.CacheNodeId}`)).sort();
}

/** Exactly one live engine per node of the API, and nothing else of this control plane runs. */
async function expectExactlyTheNodesOfTheApi(target: NodeServer) {
  const expected = await expectedNodes(target);
  if (target.runtime === "process") {
    const processes = nodeProcessesUnder(target.dataDir).map((pid) => ({ pid, node: nodeDirOf(pid) }));
    // One process per node: a duplicate shows up twice, an orphan with a name the API does not know.
    expect(processes.map((entry) => entry.node).sort()).toEqual(expected);
    for (const { pid, node } of processes) {
      expect(pidFileOf(target.dataDir, node!), `${node}: live engine process ${pid} is not the one its pid file names (an untracked orphan)`).toBe(pid);
    }
    expect(nodeDirs(target.dataDir)).toEqual(expected);
  } else {
    const containers = await containersOf(target.instance);
    expect(containers.map((container) => container.node)).toEqual(expected);
    for (const container of containers) expect(container.state).toBe("running");
  }
  expect((await runningNodes(target)).sort()).toEqual(expected);
}

describe.each(RUNTIMES)("kill -9 of the control plane (%s runtime)", (runtime) => {
  let target: NodeServer;
  beforeAll(async () => {
    target = await startNodeServer(runtime, { tag: "crash" });
  });
  afterAll(async () => target?.destroy());

  /** An available 3-node group that replicates, with exactly its 3 nodes running. */
  async function expectRecovered(id: string) {
    const members = memberIds(id, 3);
    const group = await target.api.waitGroup(id, "available", 60_000);
    expect(group.MemberClusters).toEqual(members);
    const { members: byId } = endpointsOf(group);
    expect(byId[members[0]].role).toBe("primary");
    await redisCommand(byId[members[0]].endpoint, "SET", "survived", id);
    for (const member of members.slice(1)) {
      expect(byId[member].role).toBe("replica");
      await waitForLinkUp(byId[member].endpoint);
      await waitForValue(byId[member].endpoint, "survived", id);
    }
    const nodes = (await runningNodes(target)).filter((node) => node.startsWith(`${id}-`));
    expect(nodes).toEqual(members.map((member) => `${member}-0001`));
  }

  // Two groups per round (one sent just before the other), so the kill lands while nodes are
  // being started more often than with one.
  it.each(DELAYS_MS[runtime])("SIGKILL %i ms after CreateReplicationGroup answered: after a restart, available with exactly 3 nodes", async (delay) => {
    const ids = [`crasha-${delay}`, `crashb-${delay}`];
    for (const id of ids) {
      const created = await target.api.rest("POST", GROUPS, { ReplicationGroupId: id, ReplicationGroupDescription: "interrupted", NumCacheClusters: 3 });
      expect(created.status).toBe(200);
      expect(created.body.ReplicationGroup.Status).toBe("creating");
    }
    await sleep(delay);
    await target.restart({ kill: true });

    for (const id of ids) await expectRecovered(id);
    await expectExactlyTheNodesOfTheApi(target);
    // Let a resync pass run too: it must not start a second copy of anything.
    await sleep(700);
    await expectExactlyTheNodesOfTheApi(target);
  });

  it("SIGKILL right after DeleteReplicationGroup answered: after a restart, the group and its nodes are gone", async () => {
    const id = "crash-delete";
    await target.api.ok("POST", `${GROUPS}?wait=true`, { ReplicationGroupId: id, ReplicationGroupDescription: "doomed", NumCacheClusters: 3 });
    const deleting = await target.api.rest("DELETE", `${GROUPS}/${id}`);
    expect(deleting.body.ReplicationGroup.Status).toBe("deleting");
    await sleep(5);
    await target.restart({ kill: true });
    await eventually(async () => !(await target.api.groupExists(id)), 60_000, `${id} deleted after the restart`);
    expect((await runningNodes(target)).filter((node) => node.startsWith(`${id}-`))).toEqual([]);
    await expectExactlyTheNodesOfTheApi(target);
  });

  it("a plain restart (SIGTERM) adopts the running nodes without restarting them", async () => {
    const before = await runningNodes(target);
    const ids = runtime === "process" ? nodeProcessesUnder(target.dataDir) : (await containersOf(target.instance)).map((container) => container.id);
    await target.restart({ kill: false });
    await sleep(700);
    expect(await runningNodes(target)).toEqual(before);
    const after = runtime === "process" ? nodeProcessesUnder(target.dataDir) : (await containersOf(target.instance)).map((container) => container.id);
    expect(after).toEqual(ids);
    for (const delay of DELAYS_MS[runtime]) {
      for (const id of [`crasha-${delay}`, `crashb-${delay}`]) expect((await target.api.group(id)).Status).toBe("available");
    }
  });
});
