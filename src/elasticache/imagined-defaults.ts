/**
 * Values AWS fills in for every resource that nothing here needs to decide, so replies carry
 * every member AWS returns for a resource's configuration (infrastructure tools diff them and
 * report drift when one is missing). Each is stable: the same resource always describes the same.
 */
import { createHash } from "node:crypto";
import type { Account } from "../domain/arn.ts";

/** AWS assigns a daily backup window when none is asked for; this one never overlaps the maintenance window. */
export const DEFAULT_SNAPSHOT_WINDOW = "03:00-04:00";

/** AWS's link, returned on every cache cluster. */
export const CLIENT_DOWNLOAD_LANDING_PAGE = "https://console.aws.amazon.com/elasticache/home#client-download:";

/**
 * The VPC security group nodes of a subnet group are in: there is no VPC here, so it is the
 * imagined VPC's default group, named stably from the account and the subnet group.
 */
export function defaultSecurityGroupId(account: Account, subnetGroupName: string): string {
  return `sg-${createHash("sha256").update(`${account.accountId}:${account.region}:${subnetGroupName}`).digest("hex").slice(0, 17)}`;
}
