/**
 * Values AWS fills in for every resource that nothing here needs to decide, so replies carry
 * every member AWS returns for a resource's configuration (infrastructure tools diff them and
 * report drift when one is missing). Each is stable: the same resource always describes the same.
 */
import { createHash } from "node:crypto";
import type { Account } from "../domain/arn.ts";

/** AWS's link, returned on every cache cluster. */
export const CLIENT_DOWNLOAD_LANDING_PAGE = "https://console.aws.amazon.com/elasticache/home#client-download:";

/** Security group ids already hashed; a hash per cluster per Describe was 5 % of its CPU. */
const securityGroupIds = new Map<string, string>();

/**
 * The VPC security group nodes of a subnet group are in: there is no VPC here, so it is the
 * imagined VPC's default group, named stably from the account and the subnet group.
 */
export function defaultSecurityGroupId(account: Account, subnetGroupName: string): string {
  const key = `${account.accountId}:${account.region}:${subnetGroupName}`;
  let id = securityGroupIds.get(key);
  if (id === undefined) {
    id = `sg-${createHash("sha256").update(key).digest("hex").slice(0, 17)}`;
    // Bounded: subnet group names are few, but a long-running server must not grow without end.
    if (securityGroupIds.size >= 1_000) securityGroupIds.clear();
    securityGroupIds.set(key, id);
  }
  return id;
}
