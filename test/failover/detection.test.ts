/**
 * A dead node is found by its connections, not by the health monitor's regular interval: here the
 * interval is a minute (ECL_HEALTH_INTERVAL_MS), and so is the reconciler's resync (which would see
 * a dead process in its runtime listing), so a death found before must have been found by a probe
 * connection that closed, or by the probe a node gets as soon as it becomes a target.
 * Earlier, a node that had become a target had no probe connection until the first tick, and a
 * death in that window was only found by three failed ticks (here three minutes; by default up to
 * six seconds, the failover tail of issue 13).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../helpers/eventually.ts";
import { closeRedisClients, crashNode, endpointsOf, runtimesUnderTest, startNodeServer, type NodeServer, type RuntimeKind } from "../helpers/nodes.ts";

const runtimes = await runtimesUnderTest();

describe.each(runtimes)("failure detection with the %s runtime", (runtime: RuntimeKind) => {
  let target: NodeServer;

  beforeAll(async () => {
    target = await startNodeServer(runtime, { tag: `dt${runtime[0]}`, env: { ECL_HEALTH_INTERVAL_MS: "60000", ECL_RECONCILE_INTERVAL_MS: "60000" } });
  });
  afterAll(async () => {
    closeRedisClients();
    await target?.destroy();
  });

  /** The member whose node is the node group's primary once the group has settled. */
  const primaryOf = (group: any) => group.NodeGroups[0].NodeGroupMembers.find((member: any) => member.CurrentRole === "primary").CacheClusterId;

  it("fails over a primary killed right after the group became available", async () => {
    const { ReplicationGroup: created } = await target.api.ok("POST", "/v1/replication-groups?wait=true", {
      ReplicationGroupId: "fresh",
      ReplicationGroupDescription: "detection test",
      NumCacheClusters: 3,
      AutomaticFailoverEnabled: true,
    });
    expect(endpointsOf(created).members["fresh-001"].role).toBe("primary");
    // Its nodes have just become health targets: none has had a regular probe yet.
    crashNode(target, "fresh-001-0001");
    const group = await eventually(
      async () => {
        const current = await target.api.group("fresh");
        return primaryOf(current) !== "fresh-001" && current;
      },
      30_000,
      "a replica promoted",
    );
    expect(["fresh-002", "fresh-003"]).toContain(primaryOf(group));
    const events = (await target.api.ok("GET", "/v1/events?SourceIdentifier=fresh-001&SourceType=cache-cluster&Duration=60")).Events;
    expect(events.map((entry: { Message: string }) => entry.Message)).toContain("Cache node 0001 failed its health checks");
  });
});
