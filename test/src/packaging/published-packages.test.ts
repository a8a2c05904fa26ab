import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { packWorkspacePackages } from "../harness/index.js";

const run = promisify(execFile);
/** Every package natter publishes, by folder. */
const PUBLISHED = ["shared", "db", "server", "client-sdk", "react"] as const;
const DEPENDENCY_FIELDS = ["dependencies", "peerDependencies", "optionalDependencies"] as const;

interface Manifest {
  name: string;
  version: string;
  private?: boolean;
  license?: string;
  description?: string;
  repository?: { url?: string };
  engines?: { node?: string };
  exports?: Record<string, unknown>;
  bin?: Record<string, string>;
  publishConfig?: { access?: string };
  [field: string]: unknown;
}

interface Packed {
  files: string[];
  manifest: Manifest;
  tarball: string;
}

/** Every file path an `exports` map names, with the conditions that lead to it. */
function exportTargets(value: unknown, conditions: string[] = []): { path: string; conditions: string[] }[] {
  if (typeof value === "string") return [{ path: value, conditions }];
  if (typeof value !== "object" || value === null) return [];
  return Object.entries(value).flatMap(([key, inner]) => exportTargets(inner, [...conditions, key]));
}

/**
 * The packages as `npm publish` would upload them, checked without a registry: what each
 * tarball holds (compiled code, declarations and docs; no sources, tests or source maps),
 * its manifest (publishable, versions instead of `workspace:`, exports with types that
 * exist), and `npm publish --dry-run` on the tarball itself.
 */
describe("the published packages", () => {
  const packed = new Map<string, Packed>();
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "natter-publish-"));
    const tarballs = await packWorkspacePackages(PUBLISHED, dir);
    for (const [index, tarball] of tarballs.entries()) {
      const { stdout: list } = await run("tar", ["-tzf", tarball], { maxBuffer: 16 * 1024 * 1024 });
      const { stdout: manifest } = await run("tar", ["-xOzf", tarball, "package/package.json"]);
      packed.set(PUBLISHED[index] as string, {
        tarball,
        files: list
          .split("\n")
          .filter(Boolean)
          .map((entry) => entry.replace(/^package\//, "")),
        manifest: JSON.parse(manifest) as Manifest,
      });
    }
  }, 600_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const of = (folder: string) => packed.get(folder) as Packed;

  it.each(PUBLISHED)("%s ships compiled code, declarations and its docs, nothing else", (folder) => {
    const { files } = of(folder);
    expect(files).toContain("README.md");
    expect(files).toContain("CHANGELOG.md");
    expect(files).toContain("dist/index.js");
    expect(files).toContain("dist/index.d.ts");
    const stray = files.filter(
      (file) =>
        file.startsWith("src/") ||
        /\.test\.|\.spec\./.test(file) ||
        (file.endsWith(".ts") && !file.endsWith(".d.ts")) ||
        file.endsWith(".map") ||
        file.endsWith(".tsbuildinfo"),
    );
    expect(stray).toEqual([]);
  });

  it.each(PUBLISHED)("%s has a publishable manifest with real versions", (folder) => {
    const { manifest } = of(folder);
    expect(manifest.private).toBeUndefined();
    expect(manifest.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(manifest.license).toBe("MIT");
    expect(manifest.description).toBeTruthy();
    expect(manifest.repository?.url).toMatch(/^git\+https:\/\//);
    expect(manifest.engines?.node).toBe(">=20.19.0");
    if (manifest.name.startsWith("@")) expect(manifest.publishConfig?.access).toBe("public");
    for (const field of DEPENDENCY_FIELDS) {
      const versions = Object.values((manifest[field] ?? {}) as Record<string, string>);
      expect(versions.filter((version) => version.startsWith("workspace:"))).toEqual([]);
    }
  });

  it.each(PUBLISHED)("%s exports only files it ships, each entry with its types", (folder) => {
    const { manifest, files } = of(folder);
    const targets = exportTargets(manifest.exports);
    expect(targets.length).toBeGreaterThan(0);
    for (const { path, conditions } of targets) {
      expect(conditions).not.toContain("natter-source");
      if (path.endsWith("package.json")) continue;
      expect(files).toContain(path.replace(/^\.\//, ""));
    }
    const entries = Object.entries(manifest.exports ?? {}).filter(([entry]) => entry !== "./package.json");
    for (const [, conditions] of entries) expect(Object.keys(conditions as object)[0]).toBe("types");
  });

  it("natter's bin runs the bundle it ships", () => {
    const { manifest, files } = of("server");
    expect(manifest.name).toBe("natter");
    expect(manifest.bin).toEqual({ natter: "./bin/natter.js" });
    expect(files).toContain("bin/natter.js");
    expect(files).toContain("dist/bundle/main.js");
  });

  it.each(PUBLISHED)("%s passes npm publish --dry-run", async (folder) => {
    const { manifest, tarball } = of(folder);
    // Without the npm_config_* variables pnpm sets for the scripts it runs (npm warns at pnpm's own keys).
    const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_config_/i.test(key)));
    const { stdout, stderr } = await run("npm", ["publish", "--dry-run", "--offline", tarball], { cwd: dir, env });
    expect(stdout).toContain(`+ ${manifest.name}@${manifest.version}`);
    // Without a registry login npm says so even for a dry run; anything else it warns about is a defect.
    const warnings = stderr.split("\n").filter((line) => /npm (warn|error)/i.test(line) && !/logged in/.test(line));
    expect(warnings).toEqual([]);
  });
});
