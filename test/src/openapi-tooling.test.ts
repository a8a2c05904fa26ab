import { execFile } from "node:child_process";
import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import openapiTS, { astToString } from "openapi-typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer, uniqueUsername } from "./harness/index.js";

const run = promisify(execFile);
const require = createRequire(import.meta.url);
const testPackage = fileURLToPath(new URL("..", import.meta.url));
const bin = (pkg: string, path: string) => join(dirname(require.resolve(`${pkg}/package.json`)), path);

/** Runs a Node CLI to completion; answers its exit code and output instead of throwing. */
async function node(args: string[], cwd: string) {
  try {
    const { stdout, stderr } = await run(process.execPath, args, { cwd, maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

/** The served document as the tools that REST callers use see it. */
describe("the OpenAPI document in others' tools", () => {
  let server: TestServer;
  let dir: string;
  let documentPath: string;
  beforeAll(async () => {
    server = await startTestServer();
    // Inside the test package, so the fixture resolves openapi-fetch from its node_modules; a folder
    // of this run's own, removed whole afterwards (a shared parent would be left in the checkout).
    dir = mkdtempSync(join(testPackage, ".tmp-openapi-"));
    documentPath = join(dir, "openapi.json");
    writeFileSync(documentPath, await (await fetch(`${server.url}/openapi.json`)).text());
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("passes Redocly's recommended rules with no error or warning", async () => {
    const result = await node(
      [bin("@redocly/cli", "bin/cli.js"), "lint", "--extends=recommended", "--format=json", documentPath],
      dir,
    );
    const report = JSON.parse(result.stdout.slice(result.stdout.indexOf("{"))) as {
      totals: { errors: number; warnings: number };
      problems: { ruleId: string; message: string }[];
    };
    expect(report.problems.map((problem) => `${problem.ruleId}: ${problem.message}`)).toEqual([]);
    expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
  }, 60_000);

  it("passes Spectral's spectral:oas rules with no error or warning", async () => {
    writeFileSync(join(dir, ".spectral.json"), JSON.stringify({ extends: ["spectral:oas"] }));
    const result = await node(
      [
        bin("@stoplight/spectral-cli", "dist/index.js"),
        "lint",
        "-r",
        ".spectral.json",
        "-f",
        "json",
        "-q",
        documentPath,
      ],
      dir,
    );
    const findings = result.stdout.trim() ? (JSON.parse(result.stdout) as { code: string; message: string }[]) : [];
    expect(findings.map((finding) => `${finding.code}: ${finding.message}`)).toEqual([]);
    expect(result.code, result.stderr).toBe(0);
  }, 60_000);

  it("generates a typed client that signs up, creates a room, sends and reads an error code", async () => {
    const project = join(dir, "client");
    cpSync(fileURLToPath(new URL("../fixtures/openapi-client", import.meta.url)), project, { recursive: true });
    const types = astToString(await openapiTS(new URL(`file://${documentPath}`)));
    writeFileSync(join(project, "src/natter-api.ts"), types);
    writeFileSync(join(project, "package.json"), JSON.stringify({ type: "module", private: true }));

    const typecheck = await node([require.resolve("typescript/bin/tsc"), "-p", "tsconfig.json"], project);
    expect(typecheck.stdout + typecheck.stderr).toBe("");
    expect(typecheck.code).toBe(0);

    const result = await node(["dist/app.js", `${server.url}/api/v1`, uniqueUsername("openapi")], project);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ sentSeq: expect.any(Number), missingCode: "ROOM_NOT_FOUND" });
  }, 120_000);
});
