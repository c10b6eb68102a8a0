/**
 * The operation registry both protocols dispatch to: AWS operation name -> handler taking the
 * AWS-shaped input and returning the AWS-shaped output (without the Result wrapper).
 *
 * Two forms:
 *   - `TypedOperations`: keyed by operation name, each handler typed with the AWS SDK's own
 *     `<Op>CommandInput` / `<Op>CommandOutput` (minus `$metadata`), so a service that returns a
 *     member the model lacks, or misspells one, fails to compile. The services' registry
 *     (elasticache/services.ts) has this form.
 *   - `OperationRegistry`: loosely typed (`Record<string, unknown>` in and out), for what has no
 *     SDK types: the wire tests' synthetic models and the benchmark's canned server.
 * The protocol plugins take either (`AnyOperations`) and look handlers up with `handlerOf`.
 *
 * A handler may answer with a frozen output: it then says the output is shared between requests
 * and never changes, and the protocols may keep its serialized body with it (query-bodies.ts,
 * http/json-bodies.ts). A new answer is a new object.
 */
import type * as ElastiCache from "@aws-sdk/client-elasticache";

export interface RequestContext {
  requestId: string;
}

export type OperationInput = Record<string, unknown>;
export type OperationOutput = Record<string, unknown> | void;
export type OperationHandler = (input: OperationInput, ctx: RequestContext) => Promise<OperationOutput>;
export type OperationRegistry = Record<string, OperationHandler>;

type Sdk = typeof ElastiCache;

/** Every operation of the ElastiCache model, as named by the SDK's `<Op>Command` classes. */
export type OperationName = {
  [K in keyof Sdk]: K extends `${infer Op}Command` ? (Sdk[K] extends abstract new (...args: never[]) => unknown ? Op : never) : never;
}[keyof Sdk];

type CommandOf<Op extends OperationName> = InstanceType<Sdk[`${Op}Command`]>;

/** `<Op>CommandInput` of the AWS SDK. */
export type InputOf<Op extends OperationName> = CommandOf<Op> extends { readonly input: infer I } ? I : never;

/** `<Op>CommandOutput` of the AWS SDK without `$metadata` (the protocols add the request id). */
export type OutputOf<Op extends OperationName> =
  CommandOf<Op> extends { resolveMiddleware(...args: never[]): (...args: never[]) => Promise<{ output: infer O }> }
    ? Omit<O, "$metadata">
    : never;

export type TypedHandler<Op extends OperationName> = (input: InputOf<Op>, ctx: RequestContext) => Promise<OutputOf<Op>>;

export type TypedOperations = { [Op in OperationName]?: TypedHandler<Op> };

export type AnyOperations = OperationRegistry | TypedOperations;

/**
 * The handler of `operation`, seen loosely: the protocols hand it the input the model-driven
 * parser produced for that very operation, which is what the typed handler declares.
 */
export function handlerOf(operations: AnyOperations, operation: string): OperationHandler | undefined {
  const handler = (operations as Record<string, unknown>)[operation];
  return typeof handler === "function" && Object.hasOwn(operations, operation) ? (handler as OperationHandler) : undefined;
}
