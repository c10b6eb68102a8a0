/**
 * Errors raised before any route runs, answered in AWS's shape like every other error: a malformed
 * percent-escape in the path, a path parameter longer than MAX_PARAM_LENGTH (Fastify's frameworkErrors),
 * and requests Node's HTTP parser refuses (clientErrorHandler). The protocol is told by the path:
 * the Query protocol's XML ErrorResponse on `/`, the REST API's JSON error body anywhere else.
 */
import { randomUUID } from "node:crypto";
import type { Socket } from "node:net";
import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { AwsError, errors } from "../aws/errors.ts";
import { serializeQueryError } from "../aws/xml-serializer.ts";
import { sendJsonError } from "./error-handler.ts";

/** Longest path parameter: ARNs (up to 2048 characters on AWS) travel in /v1/tags/{ResourceName}. */
export const MAX_PARAM_LENGTH = 2048;

const isQueryPath = (url: string) => url === "/" || url.startsWith("/?");

function awsErrorOf(error: FastifyError): AwsError {
  switch (error.code) {
    case "FST_ERR_BAD_URL":
      return errors.invalidParameterValue("The request path contains a malformed percent-encoded sequence.");
    case "FST_ERR_MAX_PARAM_LENGTH":
      return errors.invalidParameterValue(`A path parameter is longer than ${MAX_PARAM_LENGTH} characters.`);
    default:
      return errors.invalidParameterValue(error.message);
  }
}

export function frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  const awsError = awsErrorOf(error);
  if (isQueryPath(request.url)) {
    return reply.code(awsError.status).type("text/xml").send(serializeQueryError(awsError, request.id));
  }
  return sendJsonError(awsError, request, reply);
}

const CLIENT_ERRORS: Record<string, [status: number, reason: string, message: string]> = {
  HPE_HEADER_OVERFLOW: [431, "Request Header Fields Too Large", "The request headers are too large."],
  ERR_HTTP_REQUEST_TIMEOUT: [408, "Request Timeout", "The request took too long to arrive."],
};

/** A request Node's HTTP parser refused: answered on the raw socket, then closed. */
export function clientErrorHandler(error: Error & { code?: string; rawPacket?: unknown }, socket: Socket): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const [status, reason, message] = CLIENT_ERRORS[error.code ?? ""] ?? [400, "Bad Request", "The HTTP request is malformed."];
  const awsError = new AwsError(status === 400 ? "MalformedRequest" : "InvalidRequest", message, status);
  const requestId = randomUUID();
  const requestLine = Buffer.isBuffer(error.rawPacket) ? error.rawPacket.subarray(0, 64).toString("latin1") : "";
  const query = /^[A-Z]+ \/(\?| )/.test(requestLine);
  const body = query
    ? serializeQueryError(awsError, requestId)
    : JSON.stringify({ Error: { Type: awsError.type, Code: awsError.code, Message: awsError.message }, RequestId: requestId });
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: ${query ? "text/xml" : "application/json"}\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nx-amzn-RequestId: ${requestId}\r\n\r\n${body}`,
  );
}
