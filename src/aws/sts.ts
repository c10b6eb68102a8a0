/**
 * STS GetCallerIdentity on the ElastiCache endpoint, as emulators answer it: tools ask "who am I"
 * before anything else (Ansible's elasticache_info module, `aws sts get-caller-identity`), signed
 * for service `sts` but sent to the same endpoint URL. Any credentials are the account's root,
 * with the account from configuration (ECL_ACCOUNT_ID); when signatures are verified, UserId is
 * the access key that signed, so a caller sees which of the configured keys it uses. No other
 * STS action is served.
 */
import { AwsError, errors } from "./errors.ts";
import { escapeXml } from "./xml-serializer.ts";

export const STS_ACTION = "GetCallerIdentity";
export const STS_VERSION = "2011-06-15";
export const STS_SERVICE = "sts";
const STS_NAMESPACE = `https://sts.amazonaws.com/doc/${STS_VERSION}/`;

/**
 * The GetCallerIdentityResponse document for `params` (protocol parameters already removed);
 * `accessKeyId` is the verified signer, if signatures are checked.
 */
export function getCallerIdentity(version: string | undefined, params: Record<string, string>, accountId: string, requestId: string, accessKeyId?: string): string {
  if (!version) throw errors.missingParameter("Version");
  if (version !== STS_VERSION) {
    throw errors.invalidParameterValue(`Unsupported Version '${version}' for ${STS_ACTION}: elasticache-local implements STS ${STS_VERSION}`);
  }
  const [unknown] = Object.keys(params);
  if (unknown !== undefined) throw errors.invalidParameterValue(`Unknown parameter: ${unknown}`);
  const account = escapeXml(accountId);
  return (
    `<GetCallerIdentityResponse xmlns="${STS_NAMESPACE}"><GetCallerIdentityResult>` +
    `<Arn>arn:aws:iam::${account}:root</Arn><UserId>${accessKeyId === undefined ? account : escapeXml(accessKeyId)}</UserId><Account>${account}</Account>` +
    `</GetCallerIdentityResult><ResponseMetadata><RequestId>${escapeXml(requestId)}</RequestId></ResponseMetadata>` +
    `</GetCallerIdentityResponse>`
  );
}

/** A request signed for STS that asks for anything but GetCallerIdentity. */
export function unsupportedStsAction(action: string): AwsError {
  return new AwsError("InvalidAction", `Could not find operation ${action} for STS: elasticache-local answers only ${STS_ACTION}.`, 400);
}
