/**
 * A change of AUTH tokens applied to running nodes without restarting them or closing a client
 * connection: the `default` user gets exactly the new passwords (`ACL SETUSER default resetpass
 * …`; connections already logged in stay so), and replicas re-authenticate to their primary with
 * the newest token (`masterauth`). During a ROTATE the user has both passwords, so clients move
 * to the new token at their own pace.
 */
import type { NodeSecurity } from "../domain/security.ts";
import type { ConnectionProfile } from "../engines/connection.ts";
import type { RedisAdmin } from "../engines/redis-admin.ts";
import { defaultUserRules } from "./node-access.ts";

export async function applyAuthTokens(redis: RedisAdmin, security: NodeSecurity, nodes: ConnectionProfile[]): Promise<void> {
  const rules = defaultUserRules(security.authTokens).split(" ");
  await Promise.all(
    nodes.map(async (node) => {
      await redis.call(node, "ACL", "SETUSER", "default", "resetpass", ...rules);
      await redis.configSet(node, "masterauth", security.authTokens[0] ?? "");
    }),
  );
}
