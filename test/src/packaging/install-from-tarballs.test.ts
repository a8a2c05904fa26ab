import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const repo = fileURLToPath(new URL("../../../", import.meta.url));
/** The tarball of each package in a workspace folder not marked private: what `npm run pack` must make. */
function publishableTarballs(): string[] {
  const workspace = readFileSync(join(repo, "pnpm-workspace.yaml"), "utf8");
  const folders = [...workspace.matchAll(/^\s+-\s+(\S+)\s*$/gm)].map((match) => match[1] as string);
  return folders
    .map((folder) => JSON.parse(readFileSync(join(repo, folder, "package.json"), "utf8")))
    .filter((manifest) => manifest.private !== true)
    .map(
      ({ name, version }: { name: string; version: string }) =>
        `${name.replace(/^@/, "").replace("/", "-")}-${version}.tgz`,
    )
    .sort();
}
/** The README's `npm install $NATTER/tarballs/…` lines, as argument lists with `$NATTER/tarballs` replaced. */
function readmeInstallLines(tarballs: string): string[][] {
  const readme = readFileSync(join(repo, "README.md"), "utf8");
  return [...readme.matchAll(/^npm install (\$NATTER\/tarballs\/.*)$/gm)].map((match) =>
    (match[1] as string).split(/\s+/).map((word) => word.replace("$NATTER/tarballs", tarballs)),
  );
}

/**
 * The server as an operator gets it until it is on the npm registry: the README's `npm run pack`
 * packs every publishable package (pnpm turns `workspace:*` into versions), the README's
 * `npm install` line installs the server's tarballs into an empty folder outside the workspace,
 * and `npx natter` runs it, chat app included.
 */
describe("natter installed from its tarballs", () => {
  let project: string;
  let packed: string;
  let printed: string;
  beforeAll(async () => {
    project = mkdtempSync(join(tmpdir(), "natter-install-"));
    const tarballs = join(project, "tarballs");
    ({ stdout: printed } = await run("npm", ["run", "--silent", "pack", "--", tarballs], {
      cwd: repo,
      maxBuffer: 16 * 1024 * 1024,
    }));
    packed = tarballs;
    writeFileSync(join(project, "package.json"), JSON.stringify({ name: "operator", private: true }));
    const [serverLine] = readmeInstallLines(tarballs);
    if (!serverLine) throw new Error("the README has no `npm install $NATTER/tarballs/…` line");
    await run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", ...serverLine], {
      cwd: project,
      maxBuffer: 16 * 1024 * 1024,
    });
  }, 1_500_000);
  afterAll(() => rmSync(project, { recursive: true, force: true }));

  it("npm run pack packs every publishable workspace package and prints the line that installs them", () => {
    const made = readdirSync(packed)
      .filter((file) => file.endsWith(".tgz"))
      .sort();
    expect(made).toEqual(publishableTarballs());
    expect(made).toEqual(
      expect.arrayContaining([
        "natter-0.1.0.tgz",
        "natter-client-0.1.0.tgz",
        "natter-db-0.1.0.tgz",
        "natter-shared-0.1.0.tgz",
      ]),
    );
    const [command, verb, ...words] = printed.trim().split(" ");
    expect([command, verb]).toEqual(["npm", "install"]);
    expect(words.sort()).toEqual(made.map((file) => join(packed, file)));
    // Every tarball the README names is one the command made.
    const named = readmeInstallLines(packed)
      .flat()
      .filter((word) => word.endsWith(".tgz"));
    expect(named.length).toBeGreaterThanOrEqual(4);
    for (const tarball of named) expect(words).toContain(tarball);
  });

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
      // The chat app ships in the package: its page at / and /admin, and the script that page loads.
      for (const path of ["/", "/admin"]) {
        const page = await fetch(`${url}${path}`);
        expect([path, page.status]).toEqual([path, 200]);
        const html = await page.text();
        const script = /<script type="module" crossorigin src="([^"]+)"/.exec(html)?.[1];
        expect(script, html).toMatch(/^\/assets\/index-.+\.js$/);
        expect((await fetch(`${url}${script}`)).status).toBe(200);
      }
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
