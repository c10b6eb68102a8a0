/**
 * REST error bodies ({"Error":{"Type","Code","Message"},"RequestId"}) become the exception the AWS
 * SDK throws for the same wire code: an instance of its class (`ReplicationGroupAlreadyExistsFault`
 * for the code `ReplicationGroupAlreadyExists`), so `instanceof` and `.name` work as with
 * @aws-sdk/client-elasticache, with the same extra members (Code, Type, Error, RequestId).
 * A code the AWS SDK has no class for becomes its base ElastiCacheServiceException named after the
 * code, as the AWS SDK does.
 */
import { ElastiCacheServiceException } from "@aws-sdk/client-elasticache";
import type { ResponseMetadata } from "@smithy/types";
import { EXCEPTIONS_BY_CODE } from "./generated/exceptions.js";

interface ErrorBody {
  Type?: "Sender" | "Receiver";
  Code?: string;
  Message?: string;
}

export function exceptionOf(payload: Record<string, unknown> | undefined, text: string, $metadata: ResponseMetadata): ElastiCacheServiceException {
  const body = (payload?.Error ?? {}) as ErrorBody;
  const status = $metadata.httpStatusCode ?? 500;
  const Type = body.Type ?? (status >= 500 ? "Receiver" : "Sender");
  const Code = body.Code ?? (payload === undefined ? "SerializationException" : "UnknownError");
  const message = body.Message ?? text;
  const Class = Object.hasOwn(EXCEPTIONS_BY_CODE, Code) ? EXCEPTIONS_BY_CODE[Code as keyof typeof EXCEPTIONS_BY_CODE] : undefined;
  const exception = Class
    ? new Class({ $metadata, message })
    : new ElastiCacheServiceException({ name: Code, $fault: Type === "Receiver" ? "server" : "client", $metadata, message });
  const extras: Record<string, unknown> = { Type, Code, Error: { Type, Code, Message: message } };
  if (typeof payload?.RequestId === "string") extras.RequestId = payload.RequestId;
  return Object.assign(exception, extras);
}
