/**
 * The control plane on the Swarm runtime (ECL_RUNTIME=swarm), on a one-node swarm made for this
 * file when none is active and undone after: a 3-node group of services that replicate over
 * their overlay network, a failover when the primary's task is killed, a kill -9 of the control
 * plane after which the restarted one adopts the running services (no task replaced), and a delete
 * that leaves no service, task container, volume, secret or network behind.
 */
import { execFileSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ContinuousWriter } from "../helpers/writer.ts";
import { GROUPS } from "../helpers/clients.ts";
import { eventually, sleep } from "../helpers/eventually.ts";
import { closeRedisClients, endpointsOf, redis, redisInfo, startNodeServer, waitForLinkUp, waitForValue, type NodeServer } from "../helpers/nodes.ts";
import { runningTaskContainer, swarmObjects, useSwarm, type SwarmLease } from "../helpers/swarm.ts";

const GROUP = "orders";

/** Service name -> id of its running task, for every service of the instance. */
function runningTasks(instance: string): Record<string, string> {
  const out = execFileSync("docker", ["service", "ls", "--filter", `label=elasticache-local.prefix=${instance}-`, "--format", "{{.Name}}"], { encoding: "utf8" });
  const tasks: Record<string, string> = {};
  for (const service of out.split("\n").filter(Boolean)) {
    tasks[service] = execFileSync("docker", ["service", "ps", service, "--filter", "desired-state=running", "--format", "{{.ID}}", "--no-trunc"], { encoding: "utf8" }).trim();
  }
  return tasks;
}

/** The group once it is available with every member's node available. */
async function settled(target: NodeServer) {
  return eventually(
    async () => {
      const group = await target.api.group(GROUP);
      const clusters = await Promise.all(group.NodeGroups[0].NodeGroupMembers.map((member: any) => target.api.cluster(member.CacheClusterId)));
      return group.Status === "available" && clusters.every((cluster: any) => cluster.CacheNodes?.every((node: any) => node.CacheNodeStatus === "available")) && group;
    },
    60_000,
    `group ${GROUP} settled`,
  );
}

describe("the control plane on the Swarm runtime", () => {
  let swarm: SwarmLease;
  let target: NodeServer;

  beforeAll(async () => {
    swarm = await useSwarm();
    target = await startNodeServer("swarm", { tag: "sw" });
  });

  afterAll(async () => {
    closeRedisClients();
    await target?.destroy();
    await swarm?.release();
  });

  it("creates a 3-node group of services that replicate: written through the primary endpoint, read on a replica", async () => {
    const { ReplicationGroup } = await target.api.ok("POST", `${GROUPS}?wait=true`, {
      ReplicationGroupId: GROUP,
      ReplicationGroupDescription: "swarm",
      NumCacheClusters: 3,
      AutomaticFailoverEnabled: true,
    });
    expect(ReplicationGroup.Status).toBe("available");
    const objects = await swarmObjects(`${target.instance}-`);
    expect(objects.services).toHaveLength(3);
    expect(objects.networks).toHaveLength(1);

    const { primary, members } = endpointsOf(ReplicationGroup);
    await redis(primary).set("greeting", "hello");
    const replica = members[`${GROUP}-002`];
    expect(replica.role).toBe("replica");
    await waitForLinkUp(replica.endpoint);
    await waitForValue(replica.endpoint, "greeting", "hello");
  });

  it("fails over when the primary's task is killed, and recovers the old primary as a replica", async () => {
    const writer = new ContinuousWriter(endpointsOf(await target.api.group(GROUP)).primary.Port, "127.0.0.1");
    await eventually(async () => writer.report.acked.length > 20, 10_000, "writes before the kill");
    const container = await runningTaskContainer(`${target.instance}-`, `${GROUP}-001-0001`);
    expect(container).toBeTruthy();
    execFileSync("docker", ["kill", container!], { stdio: "ignore" });
    const killedAt = performance.now(); // the engine is dead from here on: later acknowledgements come from the new primary
    await writer.waitForAckAfter(killedAt, 30_000);
    const report = await writer.stop();

    const group = await eventually(
      async () => {
        const current = await settled(target);
        return current.NodeGroups[0].NodeGroupMembers.find((member: any) => member.CurrentRole === "primary").CacheClusterId !== `${GROUP}-001` && current;
      },
      60_000,
      "a new primary",
    );
    const after = endpointsOf(group);
    const newPrimary = group.NodeGroups[0].NodeGroupMembers.find((member: any) => member.CurrentRole === "primary").CacheClusterId;
    const last = report.acked[report.acked.length - 1];
    expect(await redis(after.primary).get(`w${last}`)).toBe(String(last));
    expect((await redisInfo(after.primary)).role).toBe("master");
    const old = await waitForLinkUp(after.members[`${GROUP}-001`].endpoint, 30_000);
    expect(old.role).toBe("slave");
    await settled(target);
    const events = (await target.api.events("replication-group", GROUP)).map((event) => event.Message);
    expect(events).toContain(`Failover from primary node ${GROUP}-001 to replica node ${newPrimary} completed`);
  });

  it("a control plane killed with SIGKILL and started again adopts the running services: no task is replaced", async () => {
    const before = runningTasks(target.instance);
    expect(Object.keys(before)).toHaveLength(3);
    const primary = endpointsOf(await target.api.group(GROUP)).primary;
    await redis(primary).set("before-restart", "kept");

    await target.restart({ kill: true });
    const group = await settled(target);
    // Room for the restarted reconciler's first passes (one at start, then every 500 ms) to do the wrong thing.
    await sleep(2_000);
    expect(runningTasks(target.instance)).toEqual(before);
    expect(await redis(endpointsOf(group).primary).get("before-restart")).toBe("kept");
  });

  it("deleting the group leaves no service, task container, volume, secret or network of this control plane", async () => {
    const deleted = await target.api.rest("DELETE", `${GROUPS}/${GROUP}?wait=true`);
    expect(deleted.status).toBe(200);
    expect(deleted.body.ReplicationGroup.Status).toBe("deleted");
    await eventually(
      async () => {
        const objects = await swarmObjects(`${target.instance}-`);
        return Object.values(objects).every((names) => names.length === 0) || undefined;
      },
      20_000,
      "every Swarm object of the control plane gone",
    );
  });
});
