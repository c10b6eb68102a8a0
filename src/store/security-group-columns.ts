/**
 * VPC security group ids in the database: one JSON array column on ReplicationGroup and on
 * CacheCluster (members copy their group's). Nothing enforces them here, since there is no VPC;
 * they are kept so replies echo what was asked, as AWS does.
 */
export const securityGroupIdsColumn = (ids: string[] | undefined): string => JSON.stringify(ids ?? []);

export function securityGroupIdsOf(column: string): string[] | undefined {
  const ids = JSON.parse(column) as string[];
  return ids.length > 0 ? ids : undefined;
}
