/**
 * The security settings' format in the database: eight columns on ReplicationGroup and on
 * CacheCluster (members copy their group's), the tokens as JSON arrays. This module is the only
 * code that knows them; everything else sees a NodeSecurity (domain/security.ts).
 */
import type { AccessControl } from "../domain/access-control.ts";
import type { NodeSecurity, TransitEncryptionMode, TransitState } from "../domain/security.ts";

export interface SecurityColumns {
  transitEncryption: boolean;
  transitEncryptionMode: string | null;
  authTokens: string | null;
  previousAuthTokens: string | null;
  authTokenLastModified: Date | null;
  previousTransitMode: string | null;
  userGroupId: string | null;
  accessControl: string | null;
}

const tokensOf = (json: string | null): string[] => (json === null ? [] : (JSON.parse(json) as string[]));
const tokensColumn = (tokens: string[]): string | null => (tokens.length === 0 ? null : JSON.stringify(tokens));

/** undefined for a resource with neither transit encryption nor a token. */
export function securityOf(row: SecurityColumns): NodeSecurity | undefined {
  const authTokens = tokensOf(row.authTokens);
  const previousAuthTokens = row.previousAuthTokens === null ? undefined : tokensOf(row.previousAuthTokens);
  if (!row.transitEncryption && authTokens.length === 0 && previousAuthTokens === undefined && row.authTokenLastModified === null && row.previousTransitMode === null) {
    return undefined;
  }
  return {
    transitEncryption: row.transitEncryption,
    transitEncryptionMode: (row.transitEncryptionMode ?? undefined) as TransitEncryptionMode | undefined,
    authTokens,
    previousAuthTokens,
    authTokenLastModified: row.authTokenLastModified ?? undefined,
    ...(row.previousTransitMode === null ? {} : { previousTransit: row.previousTransitMode as TransitState }),
    ...(row.accessControl === null ? {} : { accessControl: JSON.parse(row.accessControl) as AccessControl }),
  };
}

export function securityColumns(security: NodeSecurity | undefined): SecurityColumns {
  return {
    transitEncryption: security?.transitEncryption ?? false,
    transitEncryptionMode: security?.transitEncryptionMode ?? null,
    authTokens: tokensColumn(security?.authTokens ?? []),
    // "[]" is meaningful here: a change is applied to nodes that had no token.
    previousAuthTokens: security?.previousAuthTokens === undefined ? null : JSON.stringify(security.previousAuthTokens),
    authTokenLastModified: security?.authTokenLastModified ?? null,
    previousTransitMode: security?.previousTransit ?? null,
    ...accessControlColumns(security?.accessControl),
  };
}

/** The RBAC columns: the user group (for queries) and the whole AccessControl as JSON. */
export function accessControlColumns(control: AccessControl | undefined): Pick<SecurityColumns, "userGroupId" | "accessControl"> {
  return { userGroupId: control?.userGroupId ?? null, accessControl: control === undefined ? null : JSON.stringify(control) };
}
