/** The pull progress told in the log, from the engine's own event stream (as `docker pull` prints it). */
import { expect, it } from "vitest";
import { pullProgress } from "../../src/runtime/docker/images.ts";

it("sums the layers' bytes and counts the finished layers", () => {
  const events = [
    { status: "Pulling from library/redis", id: "7.0" },
    { status: "Already exists", id: "a1" },
    { status: "Pulling fs layer", id: "b2" },
    { status: "Pulling fs layer", id: "c3" },
    { status: "Downloading", id: "b2", progressDetail: { current: 1_048_576, total: 4_194_304 } },
    { status: "Downloading", id: "c3", progressDetail: { current: 512, total: 2_048 } },
    { status: "Download complete", id: "c3" },
    { status: "Extracting", id: "c3", progressDetail: { current: 1_024, total: 2_048 } },
    { status: "Pull complete", id: "c3" },
  ];
  expect(pullProgress(events)).toEqual({ layers: 3, done: 2, currentBytes: 1_048_576 + 2_048, totalBytes: 4_194_304 + 2_048 });
  expect(pullProgress([])).toEqual({ layers: 0, done: 0, currentBytes: 0, totalBytes: 0 });
});
