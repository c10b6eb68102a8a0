/** ARNs in requests (tags): parsed with AWS's error for anything that is not ours. */
import { splitArn, type Account, type ArnType } from "../domain/arn.ts";
import { AwsError } from "../aws/errors.ts";

export function parseArn(account: Account, arn: unknown): { type: ArnType; id: string } {
  if (typeof arn !== "string" || arn === "") throw new AwsError("InvalidARN", "The ARN is missing or empty.");
  const parts = splitArn(arn);
  if (!parts) throw new AwsError("InvalidARN", `${arn} is not a valid ElastiCache ARN.`);
  if (parts.region !== account.region || parts.accountId !== account.accountId) {
    throw new AwsError("InvalidARN", `${arn} does not belong to region ${account.region} and account ${account.accountId}.`);
  }
  return { type: parts.type, id: parts.id };
}
