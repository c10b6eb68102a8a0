/**
 * Loaded into the control plane by bench/proxy/endpoint-memory.ts (NODE_OPTIONS=--import): on
 * SIGUSR2 it runs a full garbage collection (the inspector's, so no flag is needed) and appends
 * one JSON line to $ECL_MEMORY_REPORT: process.memoryUsage() (V8 heap, external memory and the
 * ArrayBuffers in it: what is ours) beside the kernel's view (/proc/self/status: RSS, of which
 * anonymous, and of that the main thread's malloc heap, [heap] in /proc/self/smaps), and what V8
 * itself has malloc'ed (compiler zones and the like). What RSS holds beyond the heap V8 committed
 * and the external memory is native memory: the allocator's (glibc malloc keeps freed chunks for
 * reuse) and the engine's own.
 */
import { appendFileSync, readFileSync } from "node:fs";
import inspector from "node:inspector";
import v8 from "node:v8";

const session = new inspector.Session();
session.connect();
/** Resident bytes of the main arena's heap (brk) in /proc/self/smaps; other threads' arenas are anonymous mappings. */
function brkHeapRss() {
  const smaps = readFileSync("/proc/self/smaps", "utf8");
  const at = smaps.search(/ \[heap\]\n/);
  if (at === -1) return 0;
  return Number(/Rss:\s+(\d+) kB/.exec(smaps.slice(at))?.[1] ?? 0) * 1024;
}
const kib = (field) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync("/proc/self/status", "utf8"))?.[1] ?? NaN) * 1024;

process.on("SIGUSR2", () => {
  session.post("HeapProfiler.collectGarbage", () => {
    const usage = process.memoryUsage();
    appendFileSync(process.env.ECL_MEMORY_REPORT, `${JSON.stringify({ ...usage, rss: kib("VmRSS"), rssAnon: kib("RssAnon"), mallocHeap: brkHeapRss(), v8Malloced: v8.getHeapStatistics().malloced_memory })}\n`);
  });
});
