/** Event sources as AWS names them (DescribeEvents' SourceType). */

export const SOURCE_TYPES = [
  "cache-cluster",
  "cache-parameter-group",
  "cache-security-group",
  "cache-subnet-group",
  "replication-group",
  "serverless-cache",
  "serverless-cache-snapshot",
  "user",
  "user-group",
] as const;
export type SourceType = (typeof SOURCE_TYPES)[number];

/** An event to record, in AWS's wording. */
export interface NewEvent {
  sourceType: SourceType;
  sourceIdentifier: string;
  message: string;
}

export interface Event extends NewEvent {
  id: number;
  date: Date;
}

export const event = (sourceType: SourceType, sourceIdentifier: string, message: string): NewEvent => ({ sourceType, sourceIdentifier, message });
