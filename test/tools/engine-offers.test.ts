/**
 * Only runnable engines are advertised: with the Docker runtime, an engine version whose image the
 * engine does not hold (Valkey here: no registry, and the local images run Redis) is left out of
 * DescribeCacheEngineVersions, and the log says why, instead of being offered and then ending in
 * create-failed.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect, it } from "vitest";
import { dockerProblem, portRange } from "../helpers/nodes.ts";
import { startServer, type RunningServer } from "../helpers/server.ts";

const run = promisify(execFile);
let server: RunningServer;

beforeAll(async () => {
  expect(await dockerProblem()).toBeUndefined();
  const [from, to] = await portRange(4);
  server = await startServer({
    env: { ECL_RUNTIME: "docker", ECL_INSTANCE: `offer${process.pid % 100000}`, ECL_PORT_RANGE: `${from}-${to}`, ECL_LOG_LEVEL: "info" },
  });
}, 60_000);
afterAll(async () => server?.cleanup());

it("offers no Valkey when no Valkey image is present, and logs why (AWS CLI)", async () => {
  const { stdout: valkeyImages } = await run("docker", ["images", "valkey/valkey", "-q"]);
  expect(valkeyImages.trim()).toBe(""); // the premise: this machine holds no Valkey image
  const { stdout } = await run("aws", ["--endpoint-url", server.url, "elasticache", "describe-cache-engine-versions", "--output", "json"], {
    env: { ...process.env, AWS_ACCESS_KEY_ID: "test", AWS_SECRET_ACCESS_KEY: "test", AWS_DEFAULT_REGION: "us-east-1" },
  });
  const engines = new Set(JSON.parse(stdout).CacheEngineVersions.map((version: { Engine: string }) => version.Engine));
  expect([...engines].sort()).toEqual(["memcached", "redis"]);
  expect(server.output()).toMatch(/valkey 8\.0 not offered: image valkey\/valkey:8\.0 is absent/);
});
