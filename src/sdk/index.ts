/**
 * elasticache-local-sdk: a typed client of elasticache-local's REST API that mirrors
 * @aws-sdk/client-elasticache: the same command classes, input and output types, exception
 * classes (the AWS SDK's own, so `instanceof` works with either import), waiters and paginators.
 * It imports nothing of the server: what it needs from the route table and the model is generated
 * into ./generated/.
 */
export { Command, ElastiCacheClient } from "./client.js";
export type { ElastiCacheClientConfig, SendOptions } from "./client.js";
export * from "./generated/commands.js";
export * from "./generated/exceptions.js";
export * from "./generated/paginators.js";
export type { ElastiCachePaginationConfiguration } from "./paginators.js";
export * from "./waiters.js";
export type { WaiterConfiguration, WaiterResult } from "@smithy/core/client";
export { WaiterState } from "@smithy/core/client";
