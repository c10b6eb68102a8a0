/**
 * The terminal tells the story at info level: each event the store records (a cluster created, a
 * node added, a delete) appears as one log line, driven here with the AWS CLI.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect, it } from "vitest";
import { eventually } from "../helpers/eventually.ts";
import { startNodeServer, type NodeServer } from "../helpers/nodes.ts";

const run = promisify(execFile);
let node: NodeServer;
beforeAll(async () => {
  node = await startNodeServer("process", { tag: "story", env: { ECL_LOG_LEVEL: "info" } });
}, 60_000);
afterAll(async () => node?.destroy());

const lines = () =>
  node.server
    .output()
    .split("\n")
    .filter((line) => line.includes('"component":"events"'))
    .map((line) => JSON.parse(line) as { level: number; source: string; msg: string });

it("a create and a delete are told, one info line per event, naming the resource", async () => {
  const aws = (...args: string[]) =>
    run("aws", ["--endpoint-url", node.server.url, "elasticache", ...args], {
      env: { ...process.env, AWS_ACCESS_KEY_ID: "test", AWS_SECRET_ACCESS_KEY: "test", AWS_DEFAULT_REGION: "us-east-1" },
    });
  await aws("create-cache-cluster", "--cache-cluster-id", "told", "--engine", "memcached", "--num-cache-nodes", "1");
  await aws("wait", "cache-cluster-available", "--cache-cluster-id", "told");
  await eventually(() => lines().some((line) => line.msg === "Cache cluster created"), 10_000, "the create told");
  await aws("delete-cache-cluster", "--cache-cluster-id", "told");
  await aws("wait", "cache-cluster-deleted", "--cache-cluster-id", "told");
  await eventually(() => lines().some((line) => line.msg === "Cache cluster deleted"), 10_000, "the delete told");
  const told = lines();
  expect(told.every((line) => line.level === 30 && line.source === "cache-cluster told")).toBe(true);
  expect(told.map((line) => line.msg)).toEqual(expect.arrayContaining(["Cache cluster created", "Added cache node 0001 in availability zone us-east-1a", "Cache cluster deleted"]));
});

it("the start-up banner is one info line with the API, docs and health URLs and the runtime", () => {
  const banner = node.server
    .output()
    .split("\n")
    .filter((line) => line.includes('"elasticache-local is ready"'))
    .map((line) => JSON.parse(line));
  expect(banner).toHaveLength(1);
  expect(banner[0]).toMatchObject({ level: 30, restApi: `${node.server.url}/v1`, docs: `${node.server.url}/docs`, health: `${node.server.url}/health`, runtime: "process" });
});
