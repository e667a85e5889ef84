import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Page } from "playwright-core";

/** Debian's Chromium (playwright-core cannot download browsers here; `.ci/run` installs the package). */
const CHROMIUM = "/usr/bin/chromium";
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-quic",
  "--no-first-run",
  "--disable-component-update",
  "--disable-sync",
];

export type DashboardBrowser = { page: Page; close: () => Promise<void> };

/**
 * A headless Chromium page signed in to the dashboard with `credentials` (HTTP basic), on a profile of its own.
 * What goes wrong on the page lands in `errors`: script errors, answers of 400 and above (but those `ignore`
 * accepts), and with `consoleErrors` the console's errors (a CSP violation shows there).
 */
export async function openDashboardBrowser(opts: {
  credentials: { username: string; password: string };
  timeoutMs: number;
  errors: string[];
  ignore?: (url: string) => boolean;
  consoleErrors?: boolean;
}): Promise<DashboardBrowser> {
  const profile = await mkdtemp(join(tmpdir(), "switchyard-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    args: CHROMIUM_ARGS,
    httpCredentials: opts.credentials,
    viewport: { width: 1400, height: 1000 },
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(opts.timeoutMs);
  if (opts.consoleErrors === true) {
    page.on("console", (m) => {
      if (m.type() === "error" && !m.text().startsWith("Failed to load resource")) opts.errors.push(m.text());
    });
  }
  page.on("pageerror", (e) => opts.errors.push(e.message));
  page.on("response", (r) => {
    if (r.status() >= 400 && opts.ignore?.(r.url()) !== true) opts.errors.push(`${r.status()} ${r.url()}`);
  });
  return {
    page,
    close: async () => {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}
