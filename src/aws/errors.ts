/**
 * AWS errors as they travel on the wire: a Code (not the SDK's class name), an HTTP status and a
 * Sender/Receiver type. Services throw these; both protocols render them.
 */
export type ErrorType = "Sender" | "Receiver";

export class AwsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number = statusOf(code),
    readonly type: ErrorType = status >= 500 ? "Receiver" : "Sender",
  ) {
    super(message);
    this.name = code;
  }
}

/** HTTP status of every wire code we emit; anything not listed is a 400 Sender fault. */
const STATUS: Record<string, number> = {
  ReplicationGroupNotFoundFault: 404,
  CacheClusterNotFound: 404,
  CacheParameterGroupNotFound: 404,
  NodeGroupNotFoundFault: 404,
  SnapshotNotFoundFault: 404,
  UserNotFound: 404,
  UserGroupNotFound: 404,
  TagNotFound: 404,
  CacheSubnetGroupNotFoundFault: 400, // yes, 400 on AWS
  InvalidClientTokenId: 403,
  SignatureDoesNotMatch: 403,
  AccessDenied: 403,
  MissingAuthenticationToken: 403,
  Throttling: 400,
  RequestEntityTooLarge: 413,
  InternalFailure: 500,
  ServiceUnavailable: 503,
};

export function statusOf(code: string): number {
  return STATUS[code] ?? 400;
}

export const errors = {
  missingParameter: (name: string) =>
    new AwsError("MissingParameter", `The request must contain the parameter ${name}`),
  invalidParameterValue: (message: string) => new AwsError("InvalidParameterValue", message),
  invalidParameterCombination: (message: string) => new AwsError("InvalidParameterCombination", message),
  internal: () => new AwsError("InternalFailure", "The request processing has failed because of an unknown error.", 500),
};
