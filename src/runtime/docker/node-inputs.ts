/**
 * What a node's volume must hold before its engine starts, as tar entries for the Docker API's
 * putArchive into a container that mounts the volume at DATA_DIR: spec.files (Docker runtime; the
 * Swarm runtime hands files over as secrets instead) and, for Redis, the data file: spec.dataFile,
 * or an empty one in place of an older snapshot, so a start without a data file starts empty.
 */
import { DATA_FILE_NAME, EMPTY_RDB } from "../engine-config.ts";
import type { NodeSpec } from "../types.ts";
import type { ArchiveEntry } from "./archive.ts";

/** Where a node's volume is mounted in its container: the engine's data directory. */
export const DATA_DIR = "/data";
const INPUT_DIR = ".ecl"; // under DATA_DIR
/** spec.files in the volume (Docker runtime), as the engine sees them. */
export const VOLUME_FILES_DIR = `${DATA_DIR}/${INPUT_DIR}/files`;

/** spec.files under VOLUME_FILES_DIR: directories 0700, files 0600. */
export function fileEntries(spec: Pick<NodeSpec, "files">): ArchiveEntry[] {
  const files = Object.entries(spec.files ?? {});
  if (files.length === 0) return [];
  return [
    { name: `${INPUT_DIR}/`, directory: true, mode: 0o700 },
    { name: `${INPUT_DIR}/files/`, directory: true, mode: 0o700 },
    ...files.map(([name, content]): ArchiveEntry => ({ name: `${INPUT_DIR}/files/${name}`, content, mode: 0o600 })),
  ];
}

/**
 * The data file the engine starts from: spec.dataFile, or for Redis an empty one unless the volume
 * was made just now (then there is no older file to hide). None for memcached.
 */
export function dataFileEntries(spec: Pick<NodeSpec, "engine" | "dataFile">, freshVolume: boolean): ArchiveEntry[] {
  if (spec.dataFile) return [{ name: DATA_FILE_NAME, hostPath: spec.dataFile, mode: 0o600 }];
  if (spec.engine !== "memcached" && !freshVolume) return [{ name: DATA_FILE_NAME, content: EMPTY_RDB, mode: 0o600 }];
  return [];
}
