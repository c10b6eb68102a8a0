/** elasticache-local/sdk: a typed client for the REST API, mirroring @aws-sdk/client-elasticache. */
export { ElastiCacheClient, ElastiCacheServiceException, Command } from "./client.ts";
export type { ElastiCacheClientConfig, ResponseMetadata } from "./client.ts";
export * from "./commands.ts";
