/**
 * The snapshot files on the host: <data dir>/snapshots/<name>/<nodeGroupId>.rdb, and the folder
 * standing in for S3 (ECL_S3_DIR): bucket = folder, object = file, so arn:aws:s3:::<bucket>/<key>
 * is <S3 dir>/<bucket>/<key>. Exports are written to a temporary name first and renamed, so a
 * reader never sees half a file.
 */
import { constants } from "node:fs";
import { access, copyFile, mkdir, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import { snapshotFileOf, snapshotFolderOf, type Snapshot } from "../domain/snapshots.ts";

const S3_OBJECT_ARN = /^arn:aws:s3:::([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])\/(.+)$/;

export class SnapshotFileStore {
  constructor(
    readonly snapshotDir: string,
    readonly s3Dir: string,
  ) {}

  fileOf(name: string, nodeGroupId: string): string {
    return snapshotFileOf(this.snapshotDir, name, nodeGroupId);
  }

  async prepare(name: string): Promise<void> {
    await mkdir(snapshotFolderOf(this.snapshotDir, name), { recursive: true });
  }

  async size(file: string): Promise<number> {
    return (await stat(file)).size;
  }

  async removeSnapshot(name: string): Promise<void> {
    await rm(snapshotFolderOf(this.snapshotDir, name), { recursive: true, force: true });
  }

  /** Copies a file to `destination` atomically (temporary name, then rename). */
  async copyInto(source: string, destination: string): Promise<void> {
    const partial = `${destination}.partial`;
    await copyFile(source, partial);
    await rename(partial, destination);
  }

  async exportTo(snapshot: Snapshot, bucket: string, targetName: string): Promise<boolean> {
    const folder = path.join(this.s3Dir, bucket);
    try {
      if (!(await stat(folder)).isDirectory()) return false;
    } catch {
      return false;
    }
    for (const entry of snapshot.nodeGroups) {
      const destination = path.join(folder, `${targetName}-${entry.nodeGroupId}.rdb`);
      await mkdir(path.dirname(destination), { recursive: true });
      await this.copyInto(entry.file, destination);
    }
    return true;
  }

  async fileOfArn(arn: string): Promise<string | undefined> {
    const match = S3_OBJECT_ARN.exec(arn);
    if (!match) return undefined;
    const file = path.resolve(this.s3Dir, match[1], match[2]);
    // The key may not climb out of its bucket.
    if (!file.startsWith(path.resolve(this.s3Dir, match[1]) + path.sep)) return undefined;
    try {
      await access(file, constants.R_OK);
      return (await stat(file)).isFile() ? file : undefined;
    } catch {
      return undefined;
    }
  }
}
