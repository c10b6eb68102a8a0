/** The terminal gets readable lines, a pipe gets JSON; the banner names every URL a user needs. */
import { PassThrough } from "node:stream";
import { expect, it } from "vitest";
import { bannerOf, createLogger } from "../../src/logger.ts";

function captured(isTTY: boolean) {
  const stream = Object.assign(new PassThrough(), { isTTY });
  let text = "";
  stream.on("data", (chunk) => (text += chunk));
  return { stream, text: () => text };
}

it("writes JSON lines to a pipe and readable lines to a terminal (auto), or as forced", async () => {
  const pipe = captured(false);
  createLogger({ logLevel: "info", logFormat: "auto" }, pipe.stream).info({ group: "orders" }, "replication group available");
  const terminal = captured(true);
  createLogger({ logLevel: "info", logFormat: "auto" }, terminal.stream).info({ group: "orders" }, "replication group available");
  const forced = captured(false);
  createLogger({ logLevel: "info", logFormat: "pretty" }, forced.stream).info({ group: "orders" }, "replication group available");
  await new Promise((resolve) => setImmediate(resolve));
  expect(JSON.parse(pipe.text().trim())).toMatchObject({ level: 30, group: "orders", msg: "replication group available" });
  // eslint-disable-next-line no-control-regex
  const plain = (text: string) => text.replace(/\u001b\[[0-9;]*m/g, "");
  for (const readable of [plain(terminal.text()), forced.text()]) {
    expect(() => JSON.parse(readable.trim())).toThrow();
    expect(readable).toContain("INFO");
    expect(readable).toContain("replication group available");
    expect(readable).toContain('group: "orders"');
  }
  expect(terminal.text()).toContain("\u001b["); // coloured on a terminal
  expect(forced.text()).not.toContain("\u001b[");
});

it("the banner names the Query and REST APIs, the docs, the dashboard, health, metrics, the CA and the runtime", () => {
  expect(bannerOf({ host: "127.0.0.1", port: 4599, dataDir: "/tmp/ecl" }, "http://127.0.0.1:4599", "docker")).toEqual({
    queryApi: "http://127.0.0.1:4599/ (AWS CLI / SDKs: --endpoint-url http://127.0.0.1:4599)",
    restApi: "http://127.0.0.1:4599/v1",
    docs: "http://127.0.0.1:4599/docs",
    dashboard: "http://127.0.0.1:4599/dashboard",
    health: "http://127.0.0.1:4599/health",
    metrics: "http://127.0.0.1:4599/metrics",
    caCertificateUrl: "http://127.0.0.1:4599/v1/tls/ca.pem",
    runtime: "docker",
    dataDir: "/tmp/ecl",
  });
});
