/**
 * Cache parameter groups of the user's and the values set in them. A change to a group's values
 * is written in one transaction with every cluster that uses the group: its copy of the values
 * (what its nodes start with) and its ParameterApplyStatus (applying, or pending-reboot when a
 * changed parameter takes effect only at a restart), so no cluster can miss a change.
 */
import type { NewEvent } from "../domain/events.ts";
import type { Db, Tx } from "./database.ts";
import { InUseError, NotFoundError, translateUnique } from "./errors.ts";
import { writeEvents } from "./events.ts";
import { parameterValuesOf } from "./members.ts";

export interface ParameterGroup {
  name: string;
  family: string;
  description: string;
  createdAt: Date;
}

/** How clusters using a group take a change: live, or at their next reboot. */
export type ApplyAs = "applying" | "pending-reboot";

/** Copies the group's values to every cluster in `where` and records how they are to be applied. */
export async function applyGroupTo(tx: Tx, where: { parameterGroupName?: string; id?: string; replicationGroupId?: string }, groupName: string, applyAs: ApplyAs): Promise<void> {
  const parameters = JSON.stringify(await parameterValuesOf(tx, groupName));
  // A cluster already waiting for a reboot keeps waiting, whatever this change is.
  await tx.cacheCluster.updateMany({ where: { ...where, parameterApplyStatus: "pending-reboot" }, data: { parameters, parameterGroupName: groupName } });
  await tx.cacheCluster.updateMany({
    where: { ...where, parameterApplyStatus: { not: "pending-reboot" } },
    data: { parameters, parameterGroupName: groupName, parameterApplyStatus: applyAs },
  });
}

export class ParameterGroupRepository {
  constructor(private readonly db: Db) {}

  async get(name: string): Promise<ParameterGroup | undefined> {
    return (await this.db.cacheParameterGroup.findUnique({ where: { name } })) ?? undefined;
  }

  list(): Promise<ParameterGroup[]> {
    return this.db.cacheParameterGroup.findMany({ orderBy: { name: "asc" } });
  }

  /** The values set in a group (default groups: the catalog's). */
  values(name: string): Promise<Record<string, string>> {
    return parameterValuesOf(this.db as unknown as Tx, name);
  }

  create(group: Omit<ParameterGroup, "createdAt">, events: NewEvent[]): Promise<ParameterGroup> {
    return this.db.$transaction(async (tx) => {
      try {
        const row = await tx.cacheParameterGroup.create({ data: group });
        await writeEvents(tx, events);
        return row;
      } catch (error) {
        throw translateUnique(error, "parameter-group", group.name);
      }
    });
  }

  /** Sets (a string) or resets (null) values, then hands the group's values to its clusters. */
  async change(name: string, values: Record<string, string | null>, applyAs: ApplyAs, events: NewEvent[]): Promise<void> {
    await this.db.$transaction(async (tx) => {
      if (!(await tx.cacheParameterGroup.findUnique({ where: { name } }))) throw new NotFoundError("parameter-group", name);
      for (const [parameter, value] of Object.entries(values)) {
        if (value === null) await tx.cacheParameter.deleteMany({ where: { groupName: name, name: parameter } });
        else await tx.cacheParameter.upsert({ where: { groupName_name: { groupName: name, name: parameter } }, create: { groupName: name, name: parameter, value }, update: { value } });
      }
      await applyGroupTo(tx, { parameterGroupName: name }, name, applyAs);
      await writeEvents(tx, events);
    });
  }

  /** A group no cluster uses; InUseError otherwise. */
  async remove(name: string, events: NewEvent[]): Promise<void> {
    await this.db.$transaction(async (tx) => {
      if ((await tx.cacheCluster.count({ where: { parameterGroupName: name } })) > 0) throw new InUseError("parameter-group", name);
      const { count } = await tx.cacheParameterGroup.deleteMany({ where: { name } });
      if (count === 0) throw new NotFoundError("parameter-group", name);
      await writeEvents(tx, events);
    });
  }

  /** The parameter controller's write: the cluster's values are live, if they are still the ones it applied. */
  async markInSync(clusterId: string, parameters: Record<string, string>, events: NewEvent[]): Promise<boolean> {
    return this.db.$transaction(async (tx) => {
      const { count } = await tx.cacheCluster.updateMany({
        where: { id: clusterId, parameterApplyStatus: "applying", parameters: JSON.stringify(parameters) },
        data: { parameterApplyStatus: "in-sync" },
      });
      if (count > 0) await writeEvents(tx, events);
      return count > 0;
    });
  }

  /** After a reboot: the cluster's values are all in its nodes' configuration; live ones are checked once more. */
  async markRebooted(clusterId: string): Promise<void> {
    await this.db.cacheCluster.updateMany({ where: { id: clusterId, parameterApplyStatus: "pending-reboot" }, data: { parameterApplyStatus: "applying" } });
  }
}
