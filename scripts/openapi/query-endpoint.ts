/**
 * The AWS Query protocol endpoint `/` in OpenAPI: what the AWS CLI and SDKs send (a form with
 * Action and Version, parameters flattened as AWS names them) and the XML they get back. Its
 * example replies are made by the server's own XML serializer, so they are what `/` answers.
 */
import { AwsError } from "../../src/aws/errors.ts";
import { serviceModel } from "../../src/aws/model.ts";
import { serializeQueryError, serializeQueryResult } from "../../src/aws/xml-serializer.ts";
import { EXAMPLE_REQUEST_ID } from "./errors.ts";

const TAG = "AWS Query protocol";

export function queryEndpoint(actions: readonly string[]): Record<string, object> {
  const { apiVersion } = serviceModel();
  const fields = {
    Action: { type: "string", enum: [...actions].sort(), description: "The ElastiCache operation." },
    Version: { type: "string", enum: [apiVersion], description: "The API version." },
  };
  const example = { Action: "DescribeCacheEngineVersions", Version: apiVersion, Engine: "redis" };
  const okExample = serializeQueryResult(
    "DescribeCacheEngineVersions",
    { CacheEngineVersions: [{ Engine: "redis", EngineVersion: "7.0.15", CacheParameterGroupFamily: "redis7", CacheEngineDescription: "Redis", CacheEngineVersionDescription: "redis version 7.0.15" }] },
    EXAMPLE_REQUEST_ID,
  );
  const errorExample = serializeQueryError(new AwsError("InvalidAction", "The action Nope is not valid for this web service.", 400), EXAMPLE_REQUEST_ID);
  const responses = {
    200: { description: "`<ActionResponse>` with the operation's result, as AWS's XML.", content: { "text/xml": { schema: { type: "string" }, example: okExample } } },
    "4XX": {
      description: "`<ErrorResponse>` with AWS's error code, at AWS's HTTP status (the REST routes' errors, plus `MissingAction`, `InvalidAction`).",
      content: { "text/xml": { schema: { type: "string" }, example: errorExample } },
    },
    "5XX": { description: "`<ErrorResponse>` with `InternalFailure`.", content: { "text/xml": { schema: { type: "string" } } } },
  };
  const description =
    "Every ElastiCache operation in AWS's Query protocol, as the AWS CLI and SDKs call it (`aws --endpoint-url … elasticache …`, " +
    "`new ElastiCacheClient({ endpoint })`): `Action` and `Version`, then the operation's parameters named as AWS flattens them " +
    "(`SubnetIds.SubnetIdentifier.1`, `Tags.Tag.1.Key`, …). With credentials configured (ECL_CREDENTIALS) every call must be SigV4-signed " +
    "with one of them (service `elasticache`); without, any credentials are accepted and signatures are checked for form only.";
  return {
    post: {
      tags: [TAG],
      operationId: "QueryProtocol",
      summary: "Call an operation with the AWS Query protocol (form body)",
      description,
      requestBody: {
        required: true,
        content: {
          "application/x-www-form-urlencoded": {
            schema: { type: "object", properties: fields, required: ["Action", "Version"], additionalProperties: { type: "string" } },
            example,
          },
        },
      },
      responses,
    },
    get: {
      tags: [TAG],
      operationId: "QueryProtocolGet",
      summary: "Call an operation with the AWS Query protocol (query string)",
      description,
      parameters: Object.entries(fields).map(([name, { description, ...schema }]) => ({
        in: "query",
        name,
        required: true,
        description,
        schema,
        example: example[name as keyof typeof fields],
      })),
      responses,
    },
  };
}
