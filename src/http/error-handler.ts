/**
 * One error handler for the REST API: every failure becomes AWS's error body
 * {"Error":{"Type","Code","Message"},"RequestId"} with the AWS HTTP status. The text of
 * unexpected (5xx) errors is logged, never sent.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { AwsError, errors } from "../aws/errors.ts";
import { awsErrorFromValidation } from "./validation.ts";

/** Maps Fastify's own errors (parsing, limits, validation) to AWS codes. */
export function toAwsError(error: FastifyError | AwsError | Error): AwsError {
  if (error instanceof AwsError) return error;
  const fastifyError = error as FastifyError;
  if (fastifyError.validation) return awsErrorFromValidation(fastifyError.validation as never);
  switch (fastifyError.code) {
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return new AwsError("RequestEntityTooLarge", "The request body is larger than the limit.", 413);
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return new AwsError("UnsupportedMediaType", "The content type of the request is not supported; send application/json.", 415);
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
    case "FST_ERR_CTP_INVALID_JSON_BODY":
    case "FST_ERR_CTP_INVALID_CONTENT_LENGTH":
      return new AwsError("SerializationException", "The request body is not valid JSON.");
  }
  if (error instanceof SyntaxError) return new AwsError("SerializationException", "The request body is not valid JSON.");
  if (typeof fastifyError.statusCode === "number" && fastifyError.statusCode < 500) {
    return errors.invalidParameterValue(fastifyError.message);
  }
  return errors.internal();
}

export function sendJsonError(error: Error, request: FastifyRequest, reply: FastifyReply) {
  const awsError = toAwsError(error);
  if (awsError.status >= 500) request.log.error({ err: error }, "request failed");
  return reply
    .status(awsError.status)
    .type("application/json")
    .send({ Error: { Type: awsError.type, Code: awsError.code, Message: awsError.message }, RequestId: request.id });
}
