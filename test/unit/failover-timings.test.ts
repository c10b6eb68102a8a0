/** The failover timings line: each phase's duration from the notes the monitor and the healer make. */
import { Writable } from "node:stream";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { FailoverTimings } from "../../src/controllers/failover/timings.ts";

function recorder() {
  const lines: any[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  let clock = 1_000_000;
  const timings = new FailoverTimings(pino({ level: "info" }, stream), () => clock);
  return { lines, timings, advance: (ms: number) => (clock += ms) };
}

describe("FailoverTimings", () => {
  it("gives each phase's duration, from the first sign of death to the endpoint switch", async () => {
    const { lines, timings, advance } = recorder();
    timings.signal("rg-001");
    advance(100);
    timings.signal("rg-001"); // a later sign keeps the first
    advance(150);
    timings.failed("rg-001");
    advance(20);
    timings.elected("rg-001");
    advance(30);
    timings.promoted("rg-001");
    advance(5);
    timings.switched("rg-001", { to: "rg-002" });
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ msg: "failover timings", from: "rg-001", to: "rg-002", detectMs: 250, decideMs: 20, promoteMs: 30, endpointMs: 5, totalMs: 305 });
    expect(lines[0].at).toEqual({ signal: 1_000_000, failed: 1_000_250, elected: 1_000_270, promoted: 1_000_300, switched: 1_000_305 });
  });

  it("ignores the healer's own stop of the old primary during a TestFailover, and starts afresh after a death that was handled", async () => {
    const { lines, timings, advance } = recorder();
    timings.elected("rg-001");
    advance(10);
    timings.signal("rg-001");
    timings.promoted("rg-001");
    advance(10);
    timings.switched("rg-001", {});
    // A replica died and was recovered in place; it dies again later: its own timeline.
    timings.signal("rg-002");
    timings.failed("rg-002");
    advance(60_000);
    timings.signal("rg-002");
    advance(40);
    timings.failed("rg-002");
    timings.elected("rg-002");
    timings.promoted("rg-002");
    timings.switched("rg-002", {});
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines.map((line) => [line.from, line.detectMs, line.promoteMs, line.totalMs])).toEqual([
      ["rg-001", undefined, 10, 20],
      ["rg-002", 40, 0, 40],
    ]);
  });
});
