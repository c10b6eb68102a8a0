/**
 * Loaded into the control plane by bench/api/profile.ts (NODE_OPTIONS=--import): the first
 * SIGUSR2 starts the V8 CPU profiler, the second writes the profile to $ECL_CPU_PROFILE.
 * (--cpu-prof is refused in NODE_OPTIONS, and would profile start-up and group creation too.)
 */
import { writeFileSync } from "node:fs";
import inspector from "node:inspector";

const session = new inspector.Session();
session.connect();
let running = false;
process.on("SIGUSR2", () => {
  if (!running) {
    running = true;
    session.post("Profiler.enable", () => session.post("Profiler.start"));
    return;
  }
  running = false;
  session.post("Profiler.stop", (error, result) => {
    if (!error) writeFileSync(process.env.ECL_CPU_PROFILE, JSON.stringify(result.profile));
  });
});
