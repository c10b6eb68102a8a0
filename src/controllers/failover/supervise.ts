/**
 * Failover of one node group, as check → decide → heal until the decision is steady: observe
 * (read-only), decide (pure, from the observation and the durable record), run the one healing
 * step decided, then look again with the runtime listed afresh, since the step started or stopped
 * nodes (after an election, which only records, with the same listing). Each step is recorded before the next one is decided, so a control plane killed anywhere
 * resumes at the recorded phase.
 */
import type { NodeGroup, ReplicationGroup } from "../../domain/model.ts";
import type { ControllerContext, Observed } from "../context.ts";
import { decideFailover } from "./decide.ts";
import { abandon, demote, promote, recordElection, recover, restartInPlace } from "./heal.ts";
import { observeNodeGroup } from "./observe.ts";

/**
 * "steady": nothing was failed over (a primary to restart in place is left to the caller's
 * normal pass); "healed": the node group changed, so the caller reads everything again.
 */
export type Supervision = "steady" | "healed";

/** Pause before looking again at a node group whose dead primary waits for a replica to answer. */
const WAIT_STEP_MS = 50;
/** Since when each node group (group/node group id) has waited for a replica to answer. */
const waitingSince = new Map<string, number>();

export async function superviseNodeGroup(work: ControllerContext, group: ReplicationGroup, nodeGroup: NodeGroup, observed: Observed): Promise<Supervision> {
  let healed = false;
  let current = { group, nodeGroup, observed };
  // Each step moves the record forward or clears it; a bound keeps a flapping node from looping here.
  for (let step = 0; step < 2 * nodeGroup.members.length + 4; step++) {
    const observation = await observeNodeGroup(work, current.group, current.nodeGroup, current.observed);
    const decision = decideFailover(observation);
    if (decision.action !== "wait") waitingSince.delete(`${current.group.id}/${current.nodeGroup.id}`);
    switch (decision.action) {
      case "steady":
        if (decision.demote.length > 0) await demote(work, current.group, current.nodeGroup, decision.demote);
        return healed ? "healed" : "steady";
      case "wait": {
        // Look again shortly with the runtime listed afresh; if the step bound runs out, the
        // caller's pass ends here and runs again, and the primary is not restarted meanwhile. A
        // replica that never answers (its credentials refused, say: the health probe still calls
        // it alive) is waited for no longer than the sync timeout; then the primary restarts in place.
        const key = `${current.group.id}/${current.nodeGroup.id}`;
        const since = waitingSince.get(key) ?? Date.now();
        waitingSince.set(key, since);
        if (Date.now() - since > work.syncTimeoutMs) {
          waitingSince.delete(key);
          if (healed) return "healed";
          await restartInPlace(work, current.group, { action: "restart-in-place", primary: decision.primary, reason: "no-candidate" });
          return "steady";
        }
        await new Promise((resolve) => setTimeout(resolve, WAIT_STEP_MS));
        current = await reread(work, current.group.id, current.nodeGroup.id);
        if (!current.group || !current.nodeGroup) return "healed";
        continue;
      }
      case "restart-in-place":
        if (healed) return "healed";
        await restartInPlace(work, current.group, decision);
        return "steady";
      case "elect":
        await recordElection(work, current.nodeGroup, decision);
        break;
      case "promote":
        await promote(work, current.group, current.nodeGroup, decision, current.observed);
        break;
      case "recover":
        await recover(work, current.group, current.nodeGroup, decision);
        break;
      case "abandon":
        await abandon(work, current.group, current.nodeGroup, decision);
        break;
    }
    healed = true;
    // An election is a record only: no node started or stopped, so the runtime is not listed
    // again (on Docker a listing is an API round trip, paid before the promotion).
    current = await reread(work, current.group.id, current.nodeGroup.id, decision.action === "elect" ? current.observed : undefined);
    // The group or node group is gone (deleted meanwhile): nothing left to fail over.
    if (!current.group || !current.nodeGroup) return "healed";
  }
  return "healed";
}

async function reread(work: ControllerContext, groupId: string, nodeGroupId: string, unchanged?: Observed) {
  const group = await work.store.replicationGroups.get(groupId);
  const nodeGroup = group?.nodeGroups.find((candidate) => candidate.id === nodeGroupId);
  const observed: Observed = unchanged ?? new Map((await work.runtime.list()).map((node) => [node.name, node]));
  return { group: group!, nodeGroup: nodeGroup!, observed };
}
