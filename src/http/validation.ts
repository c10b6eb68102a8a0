/**
 * Request validation for the REST API. Bodies are checked strictly against the model-derived
 * schema (no type coercion, no silent removal of unknown fields), so a wrong type or an unknown
 * field is an error as on AWS. Query strings and path parameters pass through untouched: the
 * model-driven Query parser converts and checks them, exactly as for the Query protocol.
 */
import { Ajv, type ErrorObject } from "ajv";
import addFormats from "ajv-formats";
import type { FastifySchemaCompiler } from "fastify";
import { AwsError, errors } from "../aws/errors.ts";

const ajv = new Ajv({ coerceTypes: false, removeAdditional: false, useDefaults: false, allErrors: false, strict: false });
addFormats.default(ajv);

export const validatorCompiler: FastifySchemaCompiler<unknown> = ({ schema, httpPart }) => {
  if (httpPart !== "body") return (data) => ({ value: data });
  const validate = ajv.compile(schema as object);
  // A body-less request (DELETE, POST of an action without options) is an empty input.
  return (data) => (validate(data ?? {}) ? { value: data ?? {} } : { error: Object.assign(new Error("validation"), { validation: validate.errors }) });
};

function fieldName(error: ErrorObject): string {
  // "/Tags/0/Key" -> "Tags[1].Key": 1-based like the AWS parameter names users know.
  const path = error.instancePath
    .split("/")
    .filter(Boolean)
    .map((part) => (/^\d+$/.test(part) ? `[${Number(part) + 1}]` : `.${part}`))
    .join("")
    .replace(/^\./, "");
  return path;
}

/** Turns the first schema violation into the AWS error a user of ElastiCache would get. */
export function awsErrorFromValidation(validation: ErrorObject[]): AwsError {
  const error = validation[0];
  const at = fieldName(error);
  const prefix = at ? `${at}.` : "";
  switch (error.keyword) {
    case "required":
      return errors.missingParameter(`${prefix}${(error.params as { missingProperty: string }).missingProperty}`);
    case "additionalProperties":
      return errors.invalidParameterValue(`Unknown parameter ${prefix}${(error.params as { additionalProperty: string }).additionalProperty}.`);
    case "type":
      return errors.invalidParameterValue(`${at || "The request body"} must be ${(error.params as { type: string }).type}.`);
    default:
      return errors.invalidParameterValue(`${at || "The request body"} ${error.message ?? "is not valid"}.`);
  }
}
