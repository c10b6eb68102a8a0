/**
 * The checker: a read-only look at a node group for the failover decision. Store statuses and
 * roles come with the node group; whether a node runs comes from the runtime's list; replication
 * roles and offsets from INFO replication, asked (in parallel) only of nodes recorded available,
 * running and addressed, so a dead node costs no timeout. Changes nothing.
 */
import type { NodeGroup, ReplicationGroup } from "../../domain/model.ts";
import { nodeOf } from "../../domain/topology.ts";
import type { ControllerContext, Observed } from "../context.ts";
import type { MemberView, NodeGroupObservation } from "./observation.ts";
import { loggedIn } from "../node-access.ts";

export async function observeNodeGroup(work: ControllerContext, group: ReplicationGroup, nodeGroup: NodeGroup, observed: Observed): Promise<NodeGroupObservation> {
  const members = await Promise.all(
    nodeGroup.members.map(async (member): Promise<MemberView> => {
      const node = nodeOf(member);
      const running = node ? observed.get(node.runtimeName)?.running === true : false;
      const addressed = node?.admin !== undefined && node.peer !== undefined;
      const view: MemberView = {
        id: member.id,
        role: member.role,
        deleting: member.status === "deleting",
        node: node && { status: node.status, desired: node.desired, running, addressed },
      };
      if (node?.admin && addressed && running && node.status === "available" && node.desired === "present") {
        const info = await loggedIn(work.redis, work.certificates, member, node.admin)
          .then((profile) => work.redis.infoReplication(profile))
          .catch(() => undefined);
        if (info) view.replication = { role: info.role, offset: info.role === "slave" ? info.slaveReplOffset ?? 0 : 0 };
      }
      return view;
    }),
  );
  return { automaticFailover: group.automaticFailover, record: nodeGroup.failover, members };
}
