/**
 * The protocol layers alone: buildApp (both protocols, validation, serialization, error handling)
 * with a registry that answers Describe calls from outputs captured from a real server, no store.
 * bench/api/describe.ts runs it beside the real server to tell the wire's cost from the store's.
 * Usage: npx tsx bench/api/canned-server.ts <outputs.json> <port>   (prints "listening" when ready;
 * logs to stderr like the server at ECL_LOG_LEVEL)
 */
import { readFileSync } from "node:fs";
import pino from "pino";
import { buildApp } from "../../src/app.ts";
import type { OperationRegistry } from "../../src/aws/operations.ts";

const [file, port] = process.argv.slice(2);
const outputs = JSON.parse(readFileSync(file!, "utf8")) as Record<string, Record<string, unknown>>;
const operations: OperationRegistry = Object.fromEntries(Object.entries(outputs).map(([operation, output]) => [operation, async () => output]));
// Logging as the real server does it (ECL_LOG_LEVEL, default info), so both pay the same for it.
const logger = pino({ level: process.env.ECL_LOG_LEVEL ?? "info" }, pino.destination(2));
const app = await buildApp({ operations, bodyLimit: 1024 * 1024, logger });
await app.listen({ host: "127.0.0.1", port: Number(port) });
console.log("listening");
process.on("SIGTERM", () => void app.close().then(() => process.exit(0)));
