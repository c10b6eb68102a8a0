/**
 * Reset: removes every replication group, cache cluster and node, every snapshot (files included)
 * and user parameter group, every subnet group but the default one, every tag and event, as a
 * test run's setup wants it (LocalStack and moto have the
 * same). Resources go through the ordinary delete path (the reconciler removes their nodes), and
 * the reply comes once they are gone.
 */
import { AwsError } from "../aws/errors.ts";
import type { ServiceContext } from "./context.ts";
import { DEFAULT_SUBNET_GROUP } from "./subnet-groups.ts";

export interface ResetResult {
  removed: { replicationGroups: number; cacheClusters: number; cacheSubnetGroups: number };
}

const POLL_MS = 100;

export class ResetService {
  constructor(private readonly ctx: ServiceContext) {}

  async reset(timeoutMs = 120_000): Promise<ResetResult> {
    const store = this.ctx.store;
    const counts = await store.reset.markEverythingDeleting();
    this.ctx.controllers.kick();
    const deadline = Date.now() + timeoutMs;
    while (await store.reset.anythingLeft()) {
      // Snapshots settle (one of a group being deleted fails) and are then removed with their files.
      if ((await store.reset.markSnapshotsDeleting()) > 0) this.ctx.controllers.kick();
      if (Date.now() > deadline) {
        throw new AwsError("ServiceUnavailable", `Reset: resources were still being removed after ${timeoutMs / 1000} s; call it again.`, 503);
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
    const rest = await store.reset.clearTheRest(DEFAULT_SUBNET_GROUP);
    return { removed: { ...counts, ...rest } };
  }
}
