import { defineConfig } from "vitest/config";

// Integration tests start real servers, nodes and containers: give them room, and run files
// one at a time on CI's 2 cores so timing-sensitive replication tests are not starved.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    fileParallelism: false,
    reporters: ["default", "./test/summary-reporter.ts"],
  },
});
