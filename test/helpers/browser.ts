/**
 * Headless Chromium (Debian's `chromium`) driven by playwright-core, for tests of the dashboard.
 * The flags keep it offline and quiet: no background networking, updates or sync.
 */
import { chromium, type Browser } from "playwright-core";

export const CHROMIUM = process.env.ECL_CHROMIUM ?? "/usr/bin/chromium";

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
}
