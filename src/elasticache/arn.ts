/** ElastiCache ARNs: arn:aws:elasticache:<region>:<account>:<type>:<id>. */
import { AwsError } from "./errors.ts";

export const ARN_TYPES = ["cluster", "replicationgroup", "subnetgroup", "snapshot", "user", "usergroup", "parametergroup"] as const;
export type ArnType = (typeof ARN_TYPES)[number];

export interface Account {
  region: string;
  accountId: string;
}

export function arnOf(account: Account, type: ArnType, id: string): string {
  return `arn:aws:elasticache:${account.region}:${account.accountId}:${type}:${id}`;
}

export function parseArn(account: Account, arn: unknown): { type: ArnType; id: string } {
  if (typeof arn !== "string" || arn === "") throw new AwsError("InvalidARN", "The ARN is missing or empty.");
  const match = /^arn:aws:elasticache:([a-z0-9-]+):(\d{12}):([a-z]+):(.+)$/.exec(arn);
  if (!match || !(ARN_TYPES as readonly string[]).includes(match[3])) {
    throw new AwsError("InvalidARN", `${arn} is not a valid ElastiCache ARN.`);
  }
  if (match[1] !== account.region || match[2] !== account.accountId) {
    throw new AwsError("InvalidARN", `${arn} does not belong to region ${account.region} and account ${account.accountId}.`);
  }
  return { type: match[3] as ArnType, id: match[4] };
}
