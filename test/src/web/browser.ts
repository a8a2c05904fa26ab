import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";

/** Debian's Chromium (`apt-get install chromium`). */
export const CHROMIUM_PATH = "/usr/bin/chromium";

/** Flags that keep a headless Chromium quiet on a closed network (no lookups, no updates). */
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/**
 * Where screenshots of the app's screens go, for people to look at: `NATTER_TEST_ARTIFACTS_DIR`,
 * else `natter-screenshots/` under the OS temp dir (the suite writes nothing into the checkout).
 */
export const SCREENSHOT_DIR = join(process.env.NATTER_TEST_ARTIFACTS_DIR ?? tmpdir(), "natter-screenshots");

/** The built app the server serves; the browser tests need it. */
export const WEB_APP_INDEX = fileURLToPath(new URL("../../../web/dist/index.html", import.meta.url));

/**
 * Whether the browser tests can run here. Without Chromium they are skipped with a loud
 * line, except under CI, where a missing Chromium fails the run.
 */
export function browserAvailable(): boolean {
  if (existsSync(CHROMIUM_PATH)) return true;
  if (process.env.CI === "true")
    throw new Error(`CI=true but no Chromium at ${CHROMIUM_PATH}: apt-get install chromium`);
  console.warn(
    `\n!!!!! BROWSER TESTS SKIPPED: no Chromium at ${CHROMIUM_PATH} (apt-get install -y chromium as root) !!!!!\n`,
  );
  return false;
}

export function launchChromium(): Promise<Browser> {
  if (!existsSync(WEB_APP_INDEX)) throw new Error("the web app is not built: pnpm --filter @natter/web build");
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
}

/** What a browser context did that the tests forbid: console errors, page errors, requests off the machine. */
export interface ContextProblems {
  consoleErrors: string[];
  offMachineRequests: string[];
}

/**
 * A fresh browser context (its own storage, like another person's browser) that records
 * console errors, uncaught page errors and any request or WebSocket leaving 127.0.0.1.
 */
export async function openContext(
  browser: Browser,
  viewport = { width: 1200, height: 800 },
): Promise<{ context: BrowserContext; page: Page; problems: ContextProblems }> {
  const context = await browser.newContext({ viewport });
  context.setDefaultTimeout(60_000);
  const problems: ContextProblems = { consoleErrors: [], offMachineRequests: [] };
  const watch = (page: Page) => {
    page.on("console", (message) => {
      if (message.type() === "error") problems.consoleErrors.push(message.text());
    });
    page.on("pageerror", (error) => problems.consoleErrors.push(`uncaught: ${error.message}`));
    page.on("websocket", (socket) => {
      if (!isLoopback(socket.url())) problems.offMachineRequests.push(socket.url());
    });
  };
  context.on("page", watch);
  context.on("request", (request) => {
    if (!isLoopback(request.url())) problems.offMachineRequests.push(request.url());
  });
  const page = await context.newPage();
  return { context, page, problems };
}

/** A fresh context with the web app open at `baseUrl`, signed in with `token` (as a returning visitor). */
export async function signedInPage(browser: Browser, baseUrl: string, token: string): Promise<Page> {
  const { context, page } = await openContext(browser);
  await context.addInitScript(`localStorage.setItem("natter.token", ${JSON.stringify(token)})`);
  await page.goto(baseUrl);
  await page.getByText("Signed in as").waitFor();
  return page;
}

function isLoopback(url: string): boolean {
  const { protocol, hostname } = new URL(url);
  return protocol === "data:" || protocol === "blob:" || hostname === "127.0.0.1";
}

/** axe-core's browser bundle, evaluated into pages (DevTools evaluation is not subject to the page's CSP). */
const AXE_SOURCE_PATH = join(dirname(createRequire(import.meta.url).resolve("axe-core")), "axe.min.js");

/** One accessibility violation axe-core found, in a line. */
export interface AxeFinding {
  impact: string;
  line: string;
}

/** The accessibility violations axe-core finds on the page as it is now. */
export async function axeViolations(page: Page): Promise<AxeFinding[]> {
  await page.evaluate(readFileSync(AXE_SOURCE_PATH, "utf8"));
  const violations = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(): Promise<{ violations: AxeViolation[] }> } }).axe;
    const result = await axe.run();
    return result.violations.map(({ id, impact, help, nodes }) => ({
      id,
      impact,
      help,
      targets: nodes.map((node) => node.target.join(" ")),
    }));
  });
  return violations.map((violation) => ({
    impact: violation.impact ?? "unknown",
    line: `${violation.impact}: ${violation.id} (${violation.help}) at ${violation.targets.join(", ")}`,
  }));
}

/** The violations axe-core rates serious or critical: the ones the web tests hold the app to. */
export async function seriousAxeFindings(page: Page): Promise<AxeFinding[]> {
  return (await axeViolations(page)).filter((finding) => finding.impact === "serious" || finding.impact === "critical");
}

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), fullPage: false });
}
