/**
 * Where Swarm may run a node. Availability zones are swarm node labels: a swarm node labelled
 * `elasticache-local.zone=us-east-1a` (`docker node update --label-add elasticache-local.zone=us-east-1a <node>`)
 * stands for that zone, and a node of the cache in that zone gets the placement constraint
 * `node.labels.elasticache-local.zone==us-east-1a`. A swarm where no node carries a zone label
 * (a one-node swarm, say) places every node anywhere. The label's key is the runtime's choice
 * (ECL_SWARM_ZONE_LABEL), for a swarm whose nodes already name their zones under another key.
 */
import type { DockerApi } from "../docker/docker-api.ts";
import { RuntimeError } from "../errors.ts";

/** The default key of the swarm node label that names a node's zone; also the service label recording a node's zone. */
export const ZONE_LABEL = "elasticache-local.zone";

/** A label key Swarm takes in a placement constraint (`node.labels.<key>==value`). */
export const ZONE_LABEL_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** A zone name that is safe as a constraint's value ("us-east-1a"). */
const ZONE_RE = /^[a-z0-9][a-z0-9-]{0,63}$/;

/** Pure: the constraints of a node in `zone`, given the zones the swarm's nodes are labelled with. */
export function zoneConstraints(zone: string | undefined, labelledZones: ReadonlySet<string>, zoneLabel = ZONE_LABEL): string[] {
  if (zone !== undefined && !ZONE_RE.test(zone)) throw new RuntimeError("InvalidSpec", `Invalid zone "${zone}": lowercase letters, digits and hyphens`);
  if (!zone || labelledZones.size === 0) return [];
  if (!labelledZones.has(zone)) {
    throw new RuntimeError(
      "NoPlacement",
      `No swarm node is labelled ${zoneLabel}=${zone} (zones labelled: ${[...labelledZones].sort().join(", ")}); ` +
        `label one with \`docker node update --label-add ${zoneLabel}=${zone} <node>\``,
    );
  }
  return [`node.labels.${zoneLabel}==${zone}`];
}

export class Placement {
  constructor(
    private readonly api: DockerApi,
    private readonly zoneLabel = ZONE_LABEL,
  ) {
    if (!ZONE_LABEL_RE.test(zoneLabel)) throw new RuntimeError("InvalidSpec", `Invalid swarm zone label "${zoneLabel}": letters, digits, ".", "_" and "-"`);
  }

  /** The placement constraints of a node in `zone`, from the swarm's node labels as they are now. */
  async constraints(zone: string | undefined): Promise<string[]> {
    if (!zone) return [];
    const nodes = (await this.api.call("node.list", {}, (docker) => docker.listNodes())) as { Spec?: { Labels?: Record<string, string> } }[];
    const zones = new Set(nodes.map((node) => node.Spec?.Labels?.[this.zoneLabel]).filter((value): value is string => Boolean(value)));
    return zoneConstraints(zone, zones, this.zoneLabel);
  }
}
