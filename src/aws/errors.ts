/**
 * AWS errors as they travel on the wire: a Code (not the SDK's class name), an HTTP status and a
 * Sender/Receiver type. Services throw these; both protocols render them.
 *
 * The status of a modeled error (ReplicationGroupNotFoundFault 404, CacheSubnetGroupNotFoundFault
 * 400, ...) comes from the service model's error shapes; the generic codes every Query service
 * shares (auth, throttling, limits) are not in the model and are listed here.
 */
import { serviceModel } from "./model.ts";

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

/** Generic Query-protocol codes the ElastiCache model does not define; anything unknown is 400. */
const GENERIC_STATUS: Record<string, number> = {
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
  return serviceModel().errorStatus(code) ?? GENERIC_STATUS[code] ?? 400;
}

export const errors = {
  missingParameter: (name: string) =>
    new AwsError("MissingParameter", `The request must contain the parameter ${name}`),
  invalidParameterValue: (message: string) => new AwsError("InvalidParameterValue", message),
  invalidParameterCombination: (message: string) => new AwsError("InvalidParameterCombination", message),
  internal: () => new AwsError("InternalFailure", "The request processing has failed because of an unknown error.", 500),
};
