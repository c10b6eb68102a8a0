/**
 * The dashboard in a real browser (headless Chromium through playwright-core) against a control
 * plane with real nodes (process runtime): a group created from the page's form becomes available
 * with a primary and a replica, TestFailover clicked on the page swaps the roles, and the failover's
 * events appear in the live timeline, all without reloading the page. A screenshot is kept as
 * test/dashboard/dashboard.png when ECL_SCREENSHOT=1 (the README shows it).
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser } from "../helpers/browser.ts";
import { startNodeServer, type NodeServer } from "../helpers/nodes.ts";

let target: NodeServer;
let browser: Browser;
let page: Page;
const errors: string[] = [];

beforeAll(async () => {
  [target, browser] = await Promise.all([
    startNodeServer("process", { tag: "dash", env: { ECL_METRICS_INTERVAL_MS: "500" } }),
    launchBrowser(),
  ]);
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  page.on("pageerror", (error) => errors.push(error.message));
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(message.text());
  });
});
afterAll(async () => {
  await browser?.close();
  await target?.destroy();
});

const role = (member: string) => page.locator(`tr[data-member="${member}"]`).getAttribute("data-role");

describe("the dashboard", () => {
  it("loads offline with its live event stream connected", async () => {
    await page.goto(`${target.server.url}/dashboard`);
    await page.locator('[data-live="true"]').waitFor({ timeout: 15_000 });
    expect(await page.locator("h1").textContent()).toBe("elasticache-local");
  });

  it("creates a replication group from its form and shows it available with its roles and endpoints", async () => {
    await page.fill('input[name="id"]', "dash-group");
    await page.selectOption('select[name="replicas"]', "1");
    await page.click('form.create button[type="submit"]');
    const card = page.locator('section[data-group="dash-group"]');
    await card.locator('header [data-status="available"]').waitFor({ timeout: 60_000 });
    expect(await role("dash-group-001")).toBe("primary");
    expect(await role("dash-group-002")).toBe("replica");
    const group = await target.api.group("dash-group");
    const primary = group.NodeGroups[0].PrimaryEndpoint;
    expect(await card.locator(`code[data-endpoint="${primary.Address}:${primary.Port}"]`).count()).toBe(1);
  });

  it("TestFailover clicked on the page swaps the roles and the failover's events appear, without a reload", async () => {
    const card = page.locator('section[data-group="dash-group"]');
    await card.locator("button", { hasText: "TestFailover" }).click();
    await page.locator('tr[data-member="dash-group-002"][data-role="primary"]').waitFor({ timeout: 60_000 });
    expect(await role("dash-group-001")).toBe("replica");
    const timeline = page.locator(".timeline");
    await timeline.getByText("Test Failover API called for node group 0001").waitFor({ timeout: 15_000 });
    // Told for the group and for the member cluster, as AWS does.
    await timeline.getByText(/Failover from primary node dash-group-001 to replica node dash-group-002 completed/).first().waitFor({ timeout: 15_000 });
    // Node metrics reach the page: memory of the new primary.
    await page.locator('tr[data-member="dash-group-002"] td', { hasText: "MiB" }).waitFor({ timeout: 15_000 });
    if (process.env.ECL_SCREENSHOT === "1") {
      await page.screenshot({ path: path.join(path.dirname(fileURLToPath(import.meta.url)), "dashboard.png"), fullPage: true });
    }
    expect(errors).toEqual([]);
  });
});
