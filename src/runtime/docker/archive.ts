/**
 * Files into and out of containers as tar streams (the Docker API's putArchive/getArchive take
 * and give tar), so files move through the API alone and it works when the control plane itself
 * runs in a container without the host's file system.
 */
import { createReadStream, createWriteStream } from "node:fs";
import { stat } from "node:fs/promises";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import tar from "tar-stream";

export type ArchiveEntry =
  | { name: string; directory: true; mode: number }
  | { name: string; content: string | Buffer; mode: number }
  /** A host file, streamed (data files can be large). */
  | { name: string; hostPath: string; mode: number };

/** A tar stream of the entries, in order (directories before what they hold). */
export function packEntries(entries: ArchiveEntry[]): Readable {
  const pack = tar.pack();
  void (async () => {
    for (const entry of entries) {
      if ("directory" in entry) {
        pack.entry({ name: entry.name, type: "directory", mode: entry.mode });
      } else if ("content" in entry) {
        pack.entry({ name: entry.name, mode: entry.mode }, typeof entry.content === "string" ? Buffer.from(entry.content) : entry.content);
      } else {
        const { size } = await stat(entry.hostPath);
        await pipeline(createReadStream(entry.hostPath), pack.entry({ name: entry.name, mode: entry.mode, size }));
      }
    }
    pack.finalize();
  })().catch((error: unknown) => pack.destroy(error as Error));
  return Readable.from(pack); // tar-stream's streams are streamx ones; Docker's client wants a Node stream

}

/** Writes the first regular file of a tar stream to `destinationPath`; false when the archive holds none. */
export async function extractFirstFile(archive: Readable, destinationPath: string): Promise<boolean> {
  const extract = tar.extract();
  archive.once("error", (error) => extract.destroy(error));
  archive.pipe(extract);
  let written = false;
  for await (const entry of extract) {
    if (!written && (entry.header.type ?? "file") === "file") {
      await pipeline(entry, createWriteStream(destinationPath));
      written = true;
    } else {
      entry.resume();
    }
  }
  return written;
}
