/**
 * The control plane's logger: JSON lines for machines (a pipe, a file, a log collector) and
 * readable, coloured lines for a person at a terminal (pino-pretty, written synchronously on the
 * main thread so a crash loses no line). ECL_LOG_FORMAT forces either.
 */
import pino, { type Logger } from "pino";
import pretty from "pino-pretty";
import type { Config } from "./config/index.ts";

export function createLogger(config: Pick<Config, "logLevel" | "logFormat">, stdout: NodeJS.WritableStream & { isTTY?: boolean } = process.stdout): Logger {
  const readable = config.logFormat === "pretty" || (config.logFormat === "auto" && stdout.isTTY === true);
  if (!readable) return stdout === process.stdout ? pino({ level: config.logLevel }) : pino({ level: config.logLevel }, stdout);
  return pino(
    { level: config.logLevel },
    pretty({ destination: stdout, colorize: stdout.isTTY === true, sync: true, translateTime: "HH:MM:ss.l", ignore: "pid,hostname" }),
  );
}

/** The start-up banner: where to reach the API, its docs and the nodes' runtime, in one place. */
export function bannerOf(config: Pick<Config, "host" | "port" | "dataDir">, apiUrl: string, runtime: string): Record<string, string> {
  return {
    queryApi: `${apiUrl}/ (AWS CLI / SDKs: --endpoint-url ${apiUrl})`,
    restApi: `${apiUrl}/v1`,
    docs: `${apiUrl}/docs`,
    dashboard: `${apiUrl}/dashboard`,
    health: `${apiUrl}/health`,
    metrics: `${apiUrl}/metrics`,
    caCertificateUrl: `${apiUrl}/v1/tls/ca.pem`,
    runtime,
    dataDir: config.dataDir,
  };
}
