/**
 * The live dashboard (issue 11): a page served by the control plane that works offline. Its
 * front end is plain ES modules in src/dashboard with Preact and htm served from node_modules (no
 * build step, no CDN; an import map names them). The page drives the same REST API as everyone
 * else; besides it, two routes exist only for the page: the nodes' latest metrics as JSON, and a
 * server-sent-event stream of every event as it is recorded, which is how the page sees a failover
 * within the second it happens (it re-reads the groups on each event).
 */
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { FastifyInstance } from "fastify";

export interface DashboardEvent {
  sourceType: string;
  sourceIdentifier: string;
  message: string;
  date: Date;
}

export interface DashboardOptions {
  /** Every event from now on; returns how to stop listening. */
  subscribe(listener: (event: DashboardEvent) => void): () => void;
  /** The latest metrics of every probed node (src/metrics/node-book.ts). */
  nodeMetrics(): unknown[];
}

const PAGE_DIR = fileURLToPath(new URL("../dashboard/", import.meta.url));
const require = createRequire(import.meta.url);
/** Files the page may load: its own, and the ES module builds of Preact and htm. */
const ASSETS: Record<string, { file: string; type: string }> = {
  "app.js": { file: path.join(PAGE_DIR, "app.js"), type: "text/javascript" },
  "style.css": { file: path.join(PAGE_DIR, "style.css"), type: "text/css" },
  "vendor/preact.js": { file: moduleBuildOf("preact", "preact"), type: "text/javascript" },
  "vendor/hooks.js": { file: moduleBuildOf("preact/hooks", "hooks"), type: "text/javascript" },
  "vendor/htm.js": { file: moduleBuildOf("htm", "htm"), type: "text/javascript" },
};

/** A package's ES module build, which sits beside its main file (packages export only their entry points). */
function moduleBuildOf(specifier: string, name: string): string {
  return path.join(path.dirname(require.resolve(specifier)), `${name}.module.js`);
}

/** A comment line every 15 s keeps idle proxies from closing the stream. */
const KEEPALIVE_MS = 15_000;

export async function dashboardRoutes(app: FastifyInstance, options: DashboardOptions): Promise<void> {
  // Open streams never end by themselves: end them before the server waits for its connections.
  const streams = new Set<{ end(): void }>();
  app.addHook("preClose", (done) => {
    for (const stream of streams) stream.end();
    done();
  });
  app.get("/dashboard", { schema: { hide: true } }, async (_request, reply) =>
    reply.type("text/html; charset=utf-8").send(await readFile(path.join(PAGE_DIR, "index.html"))),
  );
  app.get<{ Params: { "*": string } }>("/dashboard/assets/*", { schema: { hide: true } }, async (request, reply) => {
    const asset = Object.hasOwn(ASSETS, request.params["*"]) ? ASSETS[request.params["*"]] : undefined;
    if (!asset) return reply.status(404).type("text/plain").send("no such dashboard file");
    return reply.type(asset.type).header("cache-control", "no-cache").send(await readFile(asset.file));
  });
  app.get("/dashboard/nodes.json", { schema: { hide: true } }, async () => ({ nodes: options.nodeMetrics() }));
  app.get("/dashboard/stream", { schema: { hide: true } }, (request, reply) => {
    reply.hijack();
    const out = reply.raw;
    out.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" });
    out.write(": connected\n\n");
    const unsubscribe = options.subscribe((event) => out.write(`event: aws-event\ndata: ${JSON.stringify(event)}\n\n`));
    const keepalive = setInterval(() => out.write(": keepalive\n\n"), KEEPALIVE_MS);
    keepalive.unref();
    streams.add(out);
    request.raw.on("close", () => {
      clearInterval(keepalive);
      unsubscribe();
      streams.delete(out);
    });
  });
}
