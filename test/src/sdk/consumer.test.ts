import { execFile } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { packWorkspacePackages, startTestServer, type TestServer } from "../harness/index.js";

const run = promisify(execFile);
const repo = fileURLToPath(new URL("../../../", import.meta.url));
const sdkDir = join(repo, "client-sdk");
const fixtureDir = join(repo, "test/fixtures/sdk-consumer");

/** Every `ts` block of the SDK's README, in order, as one module. */
function readmeSnippets(): string {
  const readme = readFileSync(join(sdkDir, "README.md"), "utf8");
  const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1]);
  return `// Extracted from client-sdk/README.md by consumer.test.ts.\n${blocks.join("\n")}export {};\n`;
}

/**
 * The SDK as an app outside this repository gets it: packed with pnpm (which builds it and
 * checks the build for leaks), installed with npm into a fresh directory under the OS temp
 * dir, type-checked with the app's own TypeScript, and run against a live server.
 */
describe("@natter/client installed from its tarball", () => {
  let server: TestServer;
  let project: string;
  let installed: string;
  let tarball: string;
  /** How the app's own `tsc` ended: it must fail, on the wrong call alone (it still emits). */
  let typecheck: { code: number; stdout: string } | undefined;

  beforeAll(async () => {
    server = await startTestServer();
    project = mkdtempSync(join(tmpdir(), "natter-consumer-"));
    [tarball = ""] = await packWorkspacePackages(["client-sdk"], join(project, "packed"));

    cpSync(fixtureDir, project, { recursive: true });
    writeFileSync(join(project, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
    writeFileSync(join(project, "src/readme.ts"), readmeSnippets());
    await run(
      "npm",
      ["install", "--no-audit", "--no-fund", "--prefer-offline", tarball, "ws@^8.18.0", "@types/node@^20.19.0"],
      { cwd: project },
    );
    installed = join(project, "node_modules/@natter/client");
    const tsc = join(project, "node_modules/typescript/bin/tsc");
    typecheck = await run(process.execPath, [tsc, "-p", "."], { cwd: project }).then(
      () => undefined,
      (error: { code: number; stdout: string }) => error,
    );
  }, 300_000);
  afterAll(async () => {
    await server?.stop();
    if (project) rmSync(project, { recursive: true, force: true });
  });

  it("ships only its build, with an exports map into it and tRPC as peers", () => {
    const manifest = JSON.parse(readFileSync(join(installed, "package.json"), "utf8"));
    expect(manifest.exports["."]).toMatchObject({ types: "./dist/index.d.ts", node: "./dist/node.js" });
    expect(manifest.sideEffects).toBe(false);
    expect(Object.keys(manifest.peerDependencies).sort()).toEqual(["@trpc/client", "@trpc/server", "ws"]);
    expect(manifest.dependencies).toBeUndefined();
    expect(readdirSync(installed).sort()).toEqual(["CHANGELOG.md", "README.md", "dist", "package.json"]);
  });

  it("names no server, database or hashing type and imports nothing but its peers", async () => {
    const { stdout } = await run(process.execPath, [join(sdkDir, "scripts/check-dist.mjs"), join(installed, "dist")]);
    expect(stdout).toContain("is clean");
  });

  it("type-checks the app and the README, and refuses exactly the deliberately wrong call", () => {
    expect(typecheck?.code).toBe(2);
    const errors = (typecheck?.stdout ?? "").split("\n").filter((line) => line.includes("error TS"));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(
      /^src\/wrong\.ts\(5,\d+\): error TS2322: Type 'number' is not assignable to type 'string'/,
    );
  });

  it("runs the app against a live server", async () => {
    const { stdout } = await run(process.execPath, ["dist/app.js"], {
      cwd: project,
      env: { ...process.env, NATTER_URL: server.url },
      timeout: 60_000,
    });
    const seen = JSON.parse(stdout.trim().split("\n").at(-1) ?? "{}");
    expect(seen.eventTypes).toEqual(["room.created", "member.joined", "message.created", "message.created"]);
    expect(seen.seqs).toEqual([1, 2, 3, 4]);
    expect(seen.replyTo).toBe(true);
    expect(seen.states).toEqual(["open", "closed"]);
    expect(seen.end).toEqual({ reason: "stopped" });
    expect(seen.refused).toBe("ROOM_NOT_FOUND");
    expect(seen.attachment).toEqual([[true, "image/png", 1, 1]]);
    expect(seen.fromBytes).toBe("image/png");
    expect(seen.uploadRefused).toBe("UNSUPPORTED_MEDIA_TYPE");
    expect(seen.imageServed).toEqual([200, true]);
    expect(seen.sameUser).toBe(true);
    expect(seen.tokens).toEqual(["token", null]);
  }, 90_000);

  it("on a runtime with no WebSocket and no `ws`, the first watch ends with the SDK's own message", async () => {
    // A project of its own: the first one has `ws`, and Node would find it from any folder inside.
    const bare = mkdtempSync(join(tmpdir(), "natter-consumer-no-ws-"));
    try {
      writeFileSync(join(bare, "package.json"), JSON.stringify({ name: "no-ws", private: true, type: "module" }));
      // npm installs the required peers (tRPC), not the optional one (`ws`).
      await run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", tarball], { cwd: bare });
      expect(readdirSync(join(bare, "node_modules"))).not.toContain("ws");
      // Node 22 and later have a WebSocket of their own: without it, every Node is Node 20 here.
      writeFileSync(
        join(bare, "watch.mjs"),
        `delete globalThis.WebSocket;
const { createNatterClient } = await import("@natter/client");
const client = createNatterClient({ url: process.env.NATTER_URL });
await client.signUp("nows" + process.pid, "correct horse battery");
const { room } = await client.trpc.rooms.create.mutate({ name: "no-ws" });
const states = [];
const watch = client.watchRoom(room.id, { onEvent() {}, onStateChange: (state) => states.push(state) });
const end = await watch.ended;
await client.close();
console.log(JSON.stringify({ states, reason: end.reason, message: end.error?.message }));
`,
      );
      const { stdout } = await run(process.execPath, ["watch.mjs"], {
        cwd: bare,
        env: { ...process.env, NATTER_URL: server.url },
        timeout: 30_000,
      });
      expect(JSON.parse(stdout.trim())).toEqual({
        states: ["closed"],
        reason: "error",
        message: "natter: Node 20 has no WebSocket; install the `ws` package or pass `WebSocket`",
      });
    } finally {
      rmSync(bare, { recursive: true, force: true });
    }
  }, 120_000);

  it("loads with require() too, on Node 20.19 and later", async () => {
    const { stdout } = await run(
      process.execPath,
      ["-e", "console.log(typeof require('@natter/client').createNatterClient)"],
      {
        cwd: project,
      },
    );
    expect(stdout.trim()).toBe("function");
  });
});
