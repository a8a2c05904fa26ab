import { execFile } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { packWorkspacePackages } from "../harness/index.js";

const run = promisify(execFile);
const repo = fileURLToPath(new URL("../../../", import.meta.url));
const fixtureDir = join(repo, "test/fixtures/react-consumer");
const npmInstall = (cwd: string, packages: string[]) =>
  run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", ...packages], {
    cwd,
    maxBuffer: 16 * 1024 * 1024,
  });

/**
 * @natter/react as an app outside this repository gets it: packed with pnpm with the SDK
 * (each pack builds and checks its package), installed with npm into a fresh directory next
 * to React, TanStack Query and tRPC, type-checked strictly with `skipLibCheck: false`,
 * compiled, and rendered on a server; with React 19, then again with React 18.
 */
describe("@natter/react installed from its tarball", () => {
  let project: string;
  let installed: string;
  const tsc = () =>
    run(process.execPath, [join(project, "node_modules/typescript/bin/tsc"), "-p", "."], { cwd: project });
  const render = async () => {
    const { stdout } = await run(process.execPath, ["dist/main.js"], { cwd: project, timeout: 30_000 });
    const { html } = JSON.parse(stdout.trim().split("\n").at(-1) ?? "{}") as { html: string };
    // React marks where text pieces meet (`<!-- -->`); the reader sees them joined.
    return html.replaceAll("<!-- -->", "");
  };

  beforeAll(async () => {
    project = mkdtempSync(join(tmpdir(), "natter-react-consumer-"));
    const tarballs = await packWorkspacePackages(["client-sdk", "react"], join(project, "packed"));
    cpSync(fixtureDir, project, { recursive: true });
    writeFileSync(join(project, "package.json"), JSON.stringify({ name: "react-app", private: true, type: "module" }));
    await npmInstall(project, [
      ...tarballs,
      "@trpc/client@11.25.2",
      "@trpc/server@11.25.2",
      "@tanstack/react-query@^5.80.3",
      "react@^19",
      "react-dom@^19",
      "@types/react@^19",
      "@types/react-dom@^19",
      "typescript@5.9.3",
      "@types/node@^20.19.0",
    ]);
    installed = join(project, "node_modules/@natter/react");
  }, 600_000);
  afterAll(() => {
    if (project) rmSync(project, { recursive: true, force: true });
  });

  it("ships only its build, with React, TanStack Query, tRPC and the SDK as peers", () => {
    const manifest = JSON.parse(readFileSync(join(installed, "package.json"), "utf8"));
    expect(manifest.exports["."]).toEqual({ types: "./dist/index.d.ts", default: "./dist/index.js" });
    expect(manifest.sideEffects).toBe(false);
    expect(Object.keys(manifest.peerDependencies).sort()).toEqual([
      "@natter/client",
      "@tanstack/react-query",
      "@trpc/client",
      "@trpc/server",
      "react",
    ]);
    expect(manifest.peerDependencies["@natter/client"]).toMatch(/^\^\d/);
    expect(Object.keys(manifest.dependencies)).toEqual(["@trpc/tanstack-react-query"]);
    expect(readdirSync(installed).sort()).toEqual(["CHANGELOG.md", "README.md", "dist", "package.json"]);
  });

  it("names no server code or DOM global and imports nothing but its peers", async () => {
    const { stdout } = await run(process.execPath, [
      join(repo, "react/scripts/check-dist.mjs"),
      join(installed, "dist"),
    ]);
    expect(stdout).toContain("is clean");
  });

  it("type-checks strictly with the app's own TypeScript, builds, and renders on a server with React 19", async () => {
    await tsc();
    const html = await render();
    expect(html).toContain("<p>loading</p>");
    expect(html).toContain("loading, 0 here, 0 typing");
  }, 120_000);

  it("does the same with React 18", async () => {
    await npmInstall(project, ["react@^18.2", "react-dom@^18.2", "@types/react@^18", "@types/react-dom@^18"]);
    const { version } = JSON.parse(readFileSync(join(project, "node_modules/react/package.json"), "utf8"));
    expect(version).toMatch(/^18\./);
    await tsc();
    const html = await render();
    expect(html).toContain("<p>loading</p>");
    expect(html).toContain("loading, 0 here, 0 typing");
  }, 600_000);
});
