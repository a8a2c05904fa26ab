import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, onTestFinished } from "vitest";
import { createTestDatabase, NATTER_CLI, runCli } from "./harness/index.js";

describe("the natter command line", () => {
  const dir = mkdtempSync(join(tmpdir(), "natter-cli-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("prints its usage", async () => {
    const help = await runCli(["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("natter serve");
    expect(help.stdout).toContain("natter migrate");
    const unknown = await runCli(["frobnicate"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown command: frobnicate");
    const version = await runCli(["--version"]);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it("lists every setting of serve with its flag, variable and default", async () => {
    const help = await runCli(["serve", "--help"]);
    expect(help.code).toBe(0);
    for (const [flag, variable] of [
      ["--port", "NATTER_PORT"],
      ["--db", "NATTER_DATABASE_URL"],
      ["--ws-ping-ms", "NATTER_WS_PING_MS"],
    ]) {
      expect(help.stdout).toContain(`${flag}, ${variable} (default: `);
    }
    const fromFlag = await runCli(["serve", "--login-max-failures", "zero", "--db", join(dir, "unused.db")]);
    expect(fromFlag.code).toBe(2);
    expect(fromFlag.stderr).toContain("--login-max-failures");
  });

  it("answers a wrong flag or a missing value with one line and the usage, exit 2", async () => {
    for (const args of [
      ["serve", "--bogus"],
      ["serve", "--port"],
      ["migrate", "extra"],
    ]) {
      const result = await runCli(args);
      expect(result.code, args.join(" ")).toBe(2);
      const lines = result.stderr.trim().split("\n");
      expect(lines).toHaveLength(2);
      expect(lines[1]).toMatch(/^Usage: natter (serve|migrate)/);
      expect(result.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it("names every bad setting and where it came from, without a stack trace", async () => {
    const result = await runCli(["serve", "--port", "eighty"], { NATTER_SESSION_IDLE_TTL_SECONDS: "-5" });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("invalid configuration");
    expect(result.stderr).toContain("--port");
    expect(result.stderr).toContain("NATTER_SESSION_IDLE_TTL_SECONDS");
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it("says in one line that the port is taken, without a stack trace", async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    const { port } = taken.address() as AddressInfo;
    try {
      const result = await runCli(["serve", "--port", String(port), "--db", join(dir, "taken.db")]);
      // The port is checked before anything is migrated: no database was made for nothing.
      expect(existsSync(join(dir, "taken.db"))).toBe(false);
      expect(result.code).toBe(1);
      expect(result.stderr.trim()).toBe(
        `natter: 127.0.0.1:${port} is already in use; stop what listens there, or choose another port with --port or NATTER_PORT`,
      );
    } finally {
      taken.close();
    }
  });

  it("migrates a new database and then finds it up to date", async () => {
    const database = await createTestDatabase(mkdtempSync(join(dir, "migrate-")));
    try {
      const first = await runCli(["migrate", "--db", database.url]);
      expect(first.code).toBe(0);
      expect(first.stdout).toContain("migrations applied");
      const second = await runCli(["migrate", "--db", database.url]);
      expect(second.stdout).toContain("already up to date");
    } finally {
      await database.drop();
    }
  });

  it("serves until SIGTERM, then finishes cleanly", async () => {
    const own = mkdtempSync(join(dir, "serve-"));
    const database = await createTestDatabase(own);
    onTestFinished(() => database.drop());
    const args = ["serve", "--port", "0", "--db", database.url, "--uploads-dir", join(own, "uploads")];
    const child: ChildProcess = spawn(process.execPath, [NATTER_CLI, ...args], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout?.on("data", (chunk) => {
      output += String(chunk);
    });
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    const url = await new Promise<string>((resolve, reject) => {
      const deadline = setTimeout(() => reject(new Error(`no listening line in: ${output}`)), 20_000);
      child.stdout?.on("data", () => {
        const match = /"url":"([^"]+)"/.exec(output);
        if (match?.[1]) {
          clearTimeout(deadline);
          resolve(match[1]);
        }
      });
    });
    expect(await (await fetch(`${url}/healthz`)).json()).toMatchObject({ status: "ok" });

    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(output).toContain('"signal":"SIGTERM"');
    expect(output).toContain("natter stopped");
  });
});
