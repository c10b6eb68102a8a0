/**
 * Paginators with the AWS SDK's signature (`for await (const page of paginateX({ client }, input))`),
 * on the @smithy/core engine the AWS SDK uses. Every ElastiCache paginator pages with Marker in
 * and out and MaxRecords as the page size; ./generated/paginators.ts makes one per operation the
 * AWS SDK has one for.
 */
import { createPaginator } from "@smithy/core";
import type { PaginationConfiguration, Paginator } from "@smithy/types";
import { ElastiCacheClient, type Command } from "./client.js";

/** The AWS SDK's pagination configuration, with this client. */
export interface ElastiCachePaginationConfiguration extends Omit<PaginationConfiguration, "client" | "withCommand"> {
  client: ElastiCacheClient;
  /** Called with each page's command before it is sent; may return a replacement. */
  withCommand?: (command: Command<object, object>) => Command<object, object> | undefined;
}

/** The AWS SDK's paginator signature, e.g. `paginateDescribeEvents(config, input)`. */
export type Paginate<Input, Output> = (config: ElastiCachePaginationConfiguration, input: Input, ...rest: unknown[]) => Paginator<Output>;

export function paginatorOf<Input extends object, Output extends object>(CommandClass: new (input: Input) => Command<Input, Output>): Paginate<Input, Output> {
  // createPaginator checks `config.client instanceof ElastiCacheClient` and calls its send; its
  // types expect a Smithy client, which this client mirrors only in behaviour.
  return createPaginator<PaginationConfiguration, Input, Output>(ElastiCacheClient, CommandClass, "Marker", "Marker", "MaxRecords") as never;
}
