/**
 * The error responses of one REST operation: AWS's errors for it (the `@throws` of its command in
 * the AWS SDK), grouped by their HTTP status, each with its wire code, AWS's description and an
 * example body; then the errors any route can answer (4XX) and the server's own failure (5XX).
 */
import { errorSchema } from "../../src/http/json-schema.ts";
import { sdkErrors } from "../aws-sdk-errors.ts";
import type { AwsDocs } from "./aws-docs.ts";

export const EXAMPLE_REQUEST_ID = "5d8c3f0e-6a1b-4c2d-9e7f-0a1b2c3d4e5f";

interface ErrorCase {
  code: string;
  status: number;
  type: "Sender" | "Receiver";
  text: string;
  /** The AWS SDK's exception class, when it has one. */
  className?: string;
}

/** What every route may answer besides its operation's own errors (from src/http's error handler and validation). */
const ANY_ROUTE: ErrorCase[] = [
  { code: "MissingParameter", status: 400, type: "Sender", text: "A required field is missing." },
  { code: "InvalidParameterValue", status: 400, type: "Sender", text: "A field has a wrong type or value, or the body has a field the operation does not take.", className: "InvalidParameterValueException" },
  { code: "InvalidParameterCombination", status: 400, type: "Sender", text: "Fields that cannot be used together.", className: "InvalidParameterCombinationException" },
  { code: "SerializationException", status: 400, type: "Sender", text: "The body is not valid JSON." },
  { code: "UnknownOperationException", status: 404, type: "Sender", text: "No such route." },
  { code: "RequestEntityTooLarge", status: 413, type: "Sender", text: "The body is larger than the limit (ECL_BODY_LIMIT)." },
  { code: "UnsupportedMediaType", status: 415, type: "Sender", text: "The body is not application/json." },
];
const SERVER: ErrorCase[] = [{ code: "InternalFailure", status: 500, type: "Receiver", text: "An unexpected failure; its details are in the server's log." }];

function response(cases: ErrorCase[], lead: string) {
  const lines = cases.map((error) => `- \`${error.code}\`${error.className && error.className !== error.code ? ` (${error.className})` : ""}${cases.some((other) => other.status !== error.status) ? `, ${error.status}` : ""}: ${error.text}`);
  const schema = structuredClone(errorSchema) as { properties: { Error: { properties: Record<string, object> } } };
  schema.properties.Error.properties.Code = { type: "string", enum: cases.map((error) => error.code) };
  const examples = Object.fromEntries(
    cases.map((error) => [
      error.code,
      { summary: error.className ?? error.code, value: { Error: { Type: error.type, Code: error.code, Message: error.text }, RequestId: EXAMPLE_REQUEST_ID } },
    ]),
  );
  return { description: `${lead}\n\n${lines.join("\n")}`, content: { "application/json": { schema, examples } } };
}

export function errorResponses(errorNames: readonly string[], docs: AwsDocs): Record<string, object> {
  const known = new Map(sdkErrors().map((error) => [error.name, error]));
  const byStatus = new Map<number, ErrorCase[]>();
  for (const name of errorNames) {
    const error = known.get(name);
    if (!error) throw new Error(`the AWS SDK documents ${name} but has no error schema for it`);
    const cases = byStatus.get(error.status) ?? [];
    cases.push({ code: error.code, status: error.status, type: error.fault === "server" ? "Receiver" : "Sender", text: docs.error(name), className: name });
    byStatus.set(error.status, cases);
  }
  const responses: Record<string, object> = {};
  for (const [status, cases] of [...byStatus].sort(([a], [b]) => a - b)) responses[String(status)] = response(cases, "AWS's errors of this operation with this status.");
  responses["4XX"] = response(ANY_ROUTE, "Errors any route may answer.");
  responses["5XX"] = response(SERVER, "The server's own failure.");
  return responses;
}
