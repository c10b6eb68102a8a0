/**
 * elasticache-local-sdk: a typed client of elasticache-local's REST API that mirrors
 * @aws-sdk/client-elasticache: the same command classes, input and output types, exception
 * classes (the AWS SDK's own, so `instanceof` works with either import), waiters and paginators.
 * It imports nothing of the server: what it needs from the route table and the model is generated
 * into ./generated/.
 */
export { Command, ElastiCacheClient } from "./client.ts";
export type { ElastiCacheClientConfig, SendOptions } from "./client.ts";
export * from "./generated/commands.ts";
export * from "./generated/exceptions.ts";
export * from "./generated/paginators.ts";
export type { ElastiCachePaginationConfiguration } from "./paginators.ts";
export * from "./waiters.ts";
export type { WaiterConfiguration, WaiterResult } from "@smithy/core/client";
export { WaiterState } from "@smithy/core/client";
