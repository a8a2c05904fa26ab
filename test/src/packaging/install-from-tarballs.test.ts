import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { packWorkspacePackages } from "../harness/index.js";

const run = promisify(execFile);
/** The server and the workspace packages it depends on, as they would be published. */
const PACKAGES = ["shared", "db", "server"];

/**
 * The server as an operator gets it from npm: each package packed by pnpm (which turns
 * `workspace:*` into versions), installed with npm into an empty folder outside the
 * workspace, and run through `npx natter`.
 */
describe("natter installed from its tarballs", () => {
  let project: string;
  beforeAll(async () => {
    project = mkdtempSync(join(tmpdir(), "natter-install-"));
    const tarballs = await packWorkspacePackages(PACKAGES, join(project, "packed"));
    writeFileSync(join(project, "package.json"), JSON.stringify({ name: "operator", private: true }));
    await run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", ...tarballs], {
      cwd: project,
      maxBuffer: 16 * 1024 * 1024,
    });
  }, 600_000);
  afterAll(() => rmSync(project, { recursive: true, force: true }));

  it("ships compiled code only, and runs without TypeScript", () => {
    const installed = join(project, "node_modules");
    const serverDir = readdirSync(join(installed, ".bin")).includes("natter");
    expect(serverDir).toBe(true);
    // tsx ran natter's sources before it was compiled; an install must not need it. (TypeScript
    // itself arrives as @trpc/server's peer dependency, so its absence is not asserted.)
    expect(readdirSync(installed)).not.toContain("tsx");
  });

  it("migrates a new database with npx natter migrate", async () => {
    const { stdout } = await run("npx", ["natter", "migrate", "--db", "data/natter.db"], { cwd: project });
    expect(stdout).toContain("migrations applied");
  }, 60_000);

  it("serves with npx natter serve until SIGTERM", async () => {
    const child: ChildProcess = spawn("npx", ["natter", "serve", "--port", "0", "--db", "data/natter.db"], {
      cwd: project,
      stdio: ["ignore", "pipe", "pipe"],
      // Its own process group: npx does not pass SIGTERM on, so the group is signalled.
      detached: true,
    });
    let output = "";
    child.stdout?.on("data", (chunk) => {
      output += String(chunk);
    });
    child.stderr?.on("data", (chunk) => {
      output += String(chunk);
    });
    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
      child.once("exit", (code, signal) => resolve({ code, signal })),
    );
    try {
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout?.on("data", () => {
          const match = /"url":"([^"]+)"/.exec(output);
          if (match?.[1]) resolve(match[1]);
        });
        child.once("exit", () => reject(new Error(`natter exited before listening:\n${output}`)));
      });
      expect(await (await fetch(`${url}/readyz`)).json()).toMatchObject({ status: "ready" });
      const signUp = await fetch(`${url}/api/v1/users`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ username: "operator", password: "correct horse battery" }),
      });
      expect(signUp.status).toBe(201);
      expect((await fetch(`${url}/docs/`)).status).toBe(200);
    } finally {
      if (child.pid !== undefined) process.kill(-child.pid, "SIGTERM");
    }
    // npx may pass the signal on or die of it; either way the server stops when asked.
    expect([
      { code: 0, signal: null },
      { code: null, signal: "SIGTERM" },
    ]).toContainEqual(await exited);
  }, 60_000);
});
