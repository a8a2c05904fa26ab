import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
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
  readyToDrive();
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
}

/** Checks the app is built and makes the screenshot dir, before a browser starts. */
function readyToDrive(): void {
  if (!existsSync(WEB_APP_INDEX)) throw new Error("the web app is not built: pnpm --filter @natter/web build");
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
}

/** Chromium on a profile of its own: one browser context, the profile's own, watched as `openContext`'s. */
export interface ChromiumProfile {
  context: BrowserContext;
  problems: ContextProblems;
  /** Closes the browser and deletes the profile. */
  close(): Promise<void>;
}

/**
 * Chromium on a fresh profile of its own in a temp dir, with `env` added to its environment.
 * For what only the profile's own context does (`launchChromium`'s contexts are incognito ones):
 * Chromium hands a click on a desktop notification to the profile that showed it, and finds
 * no incognito context made over the DevTools protocol.
 */
export async function launchChromiumProfile(env: Record<string, string>): Promise<ChromiumProfile> {
  readyToDrive();
  const profileDir = mkdtempSync(join(tmpdir(), "natter-chromium-profile-"));
  const context = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM_PATH,
    args: CHROMIUM_ARGS,
    env: { ...process.env, ...env },
    viewport: { width: 1200, height: 800 },
  });
  context.setDefaultTimeout(60_000);
  const problems = watchContext(context);
  for (const page of context.pages()) watchPage(page, problems);
  return {
    context,
    problems,
    close: async () => {
      await context.close();
      rmSync(profileDir, { recursive: true, force: true });
    },
  };
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
  const problems = watchContext(context);
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

/** Records what `context` and each page it opens from now on do that the tests forbid. */
function watchContext(context: BrowserContext): ContextProblems {
  const problems: ContextProblems = { consoleErrors: [], offMachineRequests: [] };
  context.on("page", (page) => watchPage(page, problems));
  context.on("request", (request) => {
    if (!isLoopback(request.url())) problems.offMachineRequests.push(request.url());
  });
  return problems;
}

function watchPage(page: Page, problems: ContextProblems): void {
  page.on("console", (message) => {
    if (message.type() === "error") problems.consoleErrors.push(message.text());
  });
  page.on("pageerror", (error) => problems.consoleErrors.push(`uncaught: ${error.message}`));
  page.on("websocket", (socket) => {
    if (!isLoopback(socket.url())) problems.offMachineRequests.push(socket.url());
  });
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
