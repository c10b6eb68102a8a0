/**
 * Fastify plugin serving the AWS Query protocol on `/` (POST form body, or GET query string) and
 * dispatching to the operation registry.
 *
 * Register it with `app.register(queryProtocol, { operations })`: the form content-type parser it
 * adds then stays encapsulated to these routes. The error handler is route-level, so even if
 * the plugin is called directly, Fastify's own errors on `/` (body too large, unsupported media
 * type) come back as an XML ErrorResponse, never Fastify's JSON error body or HTML.
 *
 * Request flow: decode parameters -> SigV4 shape check (or the caller a signature check before
 * parsing verified, see http/signature-auth.ts) -> Action (STS GetCallerIdentity is answered
 * here, see sts.ts) -> Version -> registry lookup -> parse input from the model -> handler ->
 * serialize output from the model (once per shared output: query-bodies.ts).
 */
import type { FastifyError, FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import { AwsError, errors } from "./errors.ts";
import { handlerOf, type AnyOperations, type RequestContext } from "./operations.ts";
import { collapsePairs, decodeForm, type FormPairs } from "./form.ts";
import { serviceModel } from "./model.ts";
import { parseQueryInput } from "./query-parser.ts";
import { checkSignature, isAuthParam, type SignatureInfo } from "./sigv4.ts";
import type { Caller } from "./sigv4-verify.ts";
import { getCallerIdentity, STS_ACTION, STS_SERVICE, unsupportedStsAction } from "./sts.ts";
import { queryResultBody } from "./query-bodies.ts";
import { serializeQueryError } from "./xml-serializer.ts";

declare module "fastify" {
  interface FastifyRequest {
    /** Who signed the request, set when a signature check verified it (credentials configured). */
    caller?: Caller;
  }
}

export interface QueryProtocolOptions {
  operations: AnyOperations;
  /** Maximum request body in bytes (default 1 MiB); larger bodies get a 413 RequestEntityTooLarge. */
  bodyLimit?: number;
  /** Region used when the request is unsigned (default "us-east-1"). */
  defaultRegion?: string;
  /** Account STS GetCallerIdentity answers with (default "000000000000"). */
  accountId?: string;
}

/**
 * What handlers receive as ctx. Extends RequestContext with the region from the SigV4 credential
 * scope (or the default), for ARNs and the like.
 */
export interface QueryRequestContext extends RequestContext {
  region: string;
  accessKeyId?: string;
}

export const DEFAULT_BODY_LIMIT = 1024 * 1024;
const FORM = "application/x-www-form-urlencoded";
const XML = "text/xml";

/** Marks bodies decoded by our parser, to tell them from bodies another (JSON, text) parser produced. */
class FormBody {
  constructor(readonly pairs: FormPairs) {}
}

export const queryProtocol: FastifyPluginAsync<QueryProtocolOptions> = async (app, opts) => {
  const model = serviceModel();
  const bodyLimit = opts.bodyLimit ?? DEFAULT_BODY_LIMIT;
  const defaultRegion = opts.defaultRegion ?? "us-east-1";
  const accountId = opts.accountId ?? "000000000000";

  // Ours wins over e.g. @fastify/formbody registered by a parent: we need the ordered pairs and
  // strict percent-decoding, and removing it here only affects this encapsulated context.
  if (app.hasContentTypeParser(FORM)) app.removeContentTypeParser(FORM);
  app.addContentTypeParser(FORM, { parseAs: "string", bodyLimit }, (_request, body, done) => {
    try {
      done(null, new FormBody(decodeForm(body as string)));
    } catch (err) {
      done(err as Error, undefined);
    }
  });

  const handle = async (request: FastifyRequest, reply: FastifyReply) => {
    const params = requestParams(request);
    const signature: SignatureInfo = request.caller ? { signed: true, ...request.caller } : checkSignature(request.headers, params);

    const action = params["Action"];
    if (!action) throw new AwsError("MissingAction", "The request must contain the parameter Action", 400);
    if (action === STS_ACTION || signature.service === STS_SERVICE) {
      if (action !== STS_ACTION) throw unsupportedStsAction(action);
      const xml = getCallerIdentity(params["Version"], operationParamsOf(params), accountId, request.id, request.caller?.accessKeyId);
      return reply.code(200).header("x-amzn-RequestId", request.id).type(XML).send(xml);
    }
    const operation = model.operation(action);
    if (!operation) {
      throw new AwsError("InvalidAction", `The action ${action} is not valid for this web service.`, 400);
    }
    const version = params["Version"];
    if (!version) throw errors.missingParameter("Version");
    if (version !== model.apiVersion) {
      throw errors.invalidParameterValue(
        `Unsupported Version '${version}': elasticache-local implements API version ${model.apiVersion}`,
      );
    }
    const handler = handlerOf(opts.operations, action);
    if (!handler) {
      throw new AwsError("InvalidAction", `The operation ${action} is not implemented by elasticache-local yet.`, 400);
    }

    const input = parseQueryInput(action, operationParamsOf(params));
    const ctx: QueryRequestContext = {
      requestId: request.id,
      region: signature.region ?? defaultRegion,
      ...(signature.accessKeyId !== undefined && { accessKeyId: signature.accessKeyId }),
    };
    const output = await handler(input, ctx);
    const xml = queryResultBody(action, output, request.id);
    return reply.code(200).header("x-amzn-RequestId", request.id).type(XML).send(xml);
  };

  const errorHandler = (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const awsError = toAwsError(error, request, bodyLimit);
    return reply
      .code(awsError.status)
      .header("x-amzn-RequestId", request.id)
      .type(XML)
      .send(serializeQueryError(awsError, request.id));
  };

  const routeOptions = { bodyLimit, errorHandler };
  app.post("/", routeOptions, handle);
  // No automatic HEAD twin: Query actions have side effects, and HEAD is not part of the protocol.
  app.get("/", { ...routeOptions, exposeHeadRoute: false }, handle);
};

/** The parameters of the operation itself: all but Action, Version and presigning parameters. */
function operationParamsOf(params: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(params)) {
    if (name !== "Action" && name !== "Version" && !isAuthParam(name)) out[name] = value;
  }
  return out;
}

/** Query-string parameters, then form body parameters, one value per name. */
function requestParams(request: FastifyRequest): Record<string, string> {
  const url = request.url;
  const q = url.indexOf("?");
  const query = q === -1 ? [] : decodeForm(url.slice(q + 1));
  const body = request.body;
  if (body === undefined || body === null) return collapsePairs(query);
  if (body instanceof FormBody) return collapsePairs(query, body.pairs);
  // Another parser (JSON, text/plain) of a parent context took the body.
  throw unsupportedMediaType(request);
}

function unsupportedMediaType(request: FastifyRequest): AwsError {
  const type = request.headers["content-type"] ?? "(none)";
  return new AwsError("UnsupportedMediaType", `Unsupported content type '${type}': use ${FORM}`, 415);
}

/** Maps anything thrown on our routes to the AwsError to render. */
function toAwsError(error: unknown, request: FastifyRequest, bodyLimit: number): AwsError {
  if (error instanceof AwsError) return error;
  const fastifyError = error as Partial<FastifyError> | undefined;
  const code = fastifyError?.code;
  if (code === "FST_ERR_CTP_BODY_TOO_LARGE") {
    return new AwsError("RequestEntityTooLarge", `Request body must not exceed ${bodyLimit} bytes`, 413);
  }
  if (code === "FST_ERR_CTP_INVALID_MEDIA_TYPE") return unsupportedMediaType(request);
  // Other Fastify client errors (bad Content-Length, a parent's JSON parser failing, ...).
  const status = fastifyError?.statusCode;
  if (typeof code === "string" && code.startsWith("FST_ERR") && typeof status === "number" && status >= 400 && status < 500) {
    const contentType = request.headers["content-type"];
    if (contentType !== undefined && !contentType.toLowerCase().startsWith(FORM)) return unsupportedMediaType(request);
    return new AwsError("InvalidRequest", fastifyError?.message ?? "Invalid request", status);
  }
  request.log.error({ err: error }, "Query protocol request failed");
  return errors.internal();
}
