/**
 * Applies a group's RBAC users to its running nodes without a restart: the control plane's own
 * user first on every node (replicas then re-authenticate to their primary as that user, with
 * `masteruser`/`masterauth`), then each user of the user group with `ACL SETUSER <name> reset
 * <rules>`, and users no longer wanted (removed from the group, deleted, or every RBAC user when
 * the group leaves RBAC) with `ACL DELUSER`. Without a user group the `default` user gets the
 * group's AUTH tokens (or no password) back. Idempotent: the reconciler runs it on every pass of a
 * group being changed, and a node started later gets the same users from its spec (node-access.ts).
 */
import { ADMIN_USER, adminRules, aclUsersOf } from "../domain/access-control.ts";
import type { NodeSecurity } from "../domain/security.ts";
import type { ConnectionProfile } from "../engines/connection.ts";
import type { RedisAdmin } from "../engines/redis-admin.ts";
import { defaultUserRules } from "./node-access.ts";

export async function applyAccessControl(redis: RedisAdmin, security: NodeSecurity, nodes: ConnectionProfile[]): Promise<void> {
  const control = security.accessControl;
  const rbac = aclUsersOf(control);
  if (rbac) await Promise.all(nodes.map((node) => redis.call(node, "ACL", "SETUSER", ADMIN_USER, ...adminRules(control!.adminPassword))));
  const wanted = rbac ?? new Map([["default", defaultUserRules(security.authTokens).split(" ")]]);
  await Promise.all(
    nodes.map(async (node) => {
      for (const [name, rules] of wanted) {
        // The control plane's user is never reset: its own connections stay logged in.
        if (name !== ADMIN_USER) await redis.call(node, "ACL", "SETUSER", name, "reset", ...rules);
      }
      await redis.configSet(node, "masteruser", rbac ? ADMIN_USER : "");
      await redis.configSet(node, "masterauth", rbac ? control!.adminPassword : (security.authTokens[0] ?? ""));
      const present = (await redis.call(node, "ACL", "USERS")) as string[];
      // Our own user goes last: deleting it ends the connection this loop runs on.
      const gone = present.filter((name) => name !== "default" && !wanted.has(name)).sort((a, b) => Number(a === ADMIN_USER) - Number(b === ADMIN_USER));
      for (const name of gone) await redis.call(node, "ACL", "DELUSER", name).catch((error) => {
        if (name !== ADMIN_USER) throw error;
      });
    }),
  );
}
