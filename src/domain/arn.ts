/** ElastiCache ARNs: arn:aws:elasticache:<region>:<account>:<type>:<id>. */

export const ARN_TYPES = ["cluster", "replicationgroup", "subnetgroup", "snapshot", "user", "usergroup", "parametergroup"] as const;
export type ArnType = (typeof ARN_TYPES)[number];

export interface Account {
  region: string;
  accountId: string;
}

export function arnOf(account: Account, type: ArnType, id: string): string {
  return `arn:aws:elasticache:${account.region}:${account.accountId}:${type}:${id}`;
}

const ARN = /^arn:aws:elasticache:([a-z0-9-]+):(\d{12}):([a-z]+):(.+)$/;

/** The parts of an ElastiCache ARN, or undefined when the text is not one. */
export function splitArn(arn: string): { region: string; accountId: string; type: ArnType; id: string } | undefined {
  const match = ARN.exec(arn);
  if (!match || !(ARN_TYPES as readonly string[]).includes(match[3])) return undefined;
  return { region: match[1], accountId: match[2], type: match[3] as ArnType, id: match[4] };
}
