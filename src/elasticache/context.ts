/** What every service needs: the store, the account the ARNs name, the engines, and a way to wake the controllers. */
import type { Account } from "../domain/arn.ts";
import type { Catalog } from "../domain/catalog.ts";
import type { Snapshot } from "../domain/snapshots.ts";
import type { Store } from "../store/index.ts";

/** The controllers as the operations see them: something to wake after a change. */
export interface Controllers {
  /** Asks for a reconcile pass soon; services write desired state and return at once. */
  kick(): void;
}

/**
 * The stand-in for S3 (ECL_S3_DIR): a bucket is a folder, an object a file in it, so
 * arn:aws:s3:::<bucket>/<key> is <S3 dir>/<bucket>/<key>.
 */
export interface SnapshotFiles {
  /** CopySnapshot with TargetBucket: writes <bucket>/<targetName>-<nodeGroupId>.rdb per node group; false when the bucket folder is missing. */
  exportTo(snapshot: Snapshot, bucket: string, targetName: string): Promise<boolean>;
  /** SnapshotArns: the file an S3 object ARN names, or undefined when it is not a readable file. */
  fileOfArn(arn: string): Promise<string | undefined>;
}

export interface ServiceContext {
  store: Store;
  account: Account;
  /** Host name put into the nodes' endpoints returned to clients. */
  endpointHost: string;
  /**
   * Host name put into the endpoint proxies' endpoints (primary, reader, configuration): this
   * instance's own (ECL_ENDPOINT_HOST), since every instance serves them on its own address.
   */
  proxyHost: string;
  catalog: Catalog;
  controllers: Controllers;
  snapshotFiles: SnapshotFiles;
  /** Which subnet ids subnet groups take (ECL_SUBNET_IDS); "any" `subnet-` id when not given. */
  subnetIds?: "any" | "strict";
}
