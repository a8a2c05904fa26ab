import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, posix } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

/**
 * The server's units (a folder, or a file at the root of `src/`) from the bottom up. A unit
 * may import its own files and units of LOWER layers only: transports sit on routers, routers
 * on services, services on auth/events, and nothing reaches up. A new folder must be placed
 * here, so its direction is decided once, on purpose.
 */
const LAYERS: readonly (readonly string[])[] = [
  ["package-root.ts"],
  ["clock", "config", "origin", "redis", "logger.ts", "version.ts"],
  ["rate-limit"],
  ["auth", "events", "uploads"],
  ["services"],
  ["trpc", "metrics"],
  ["routers"],
  // What every live transport shares: ceilings on open streams, streams ending with their session.
  ["live"],
  // Transports, and the outbound one: webhook deliveries leave over HTTP from here.
  ["http", "ws", "port-probe.ts", "outbound", "shutdown"],
  ["composition-root.ts"],
  ["natter-server.ts"],
  // Copies of the upload files beside a database backup, for the command line.
  ["backup"],
  ["cli", "index.ts"],
];

/** The one module allowed to import the composition root. */
const COMPOSITION_ROOT = "composition-root.ts";
const COMPOSITION_ROOT_IMPORTER = "natter-server.ts";

/** Packages that belong to transports: nothing at or below the service layer may use them. */
const TRANSPORT_PACKAGES = [/^@trpc\//, /^trpc-to-openapi$/, /^ws$/, /^node:http$/, /^node:net$/];
const TRANSPORT_FREE_LAYER = LAYERS.findIndex((units) => units.includes("services"));

const SRC = dirname(fileURLToPath(import.meta.url));
/** This checker quotes imports as examples; it is not part of the server. */
const SELF = "dependency-direction.test.ts";

interface ImportEdge {
  /** The importing file, relative to `src/`, with `/` separators. */
  from: string;
  /** The imported specifier as written, or resolved against `src/` when relative. */
  to: string;
}

/** `services/rooms-service.ts` -> `services`; `natter-server.ts` -> `natter-server.ts`. */
function unitOf(path: string): string {
  const slash = path.indexOf("/");
  return slash === -1 ? path : path.slice(0, slash);
}

function layerOf(unit: string): number {
  return LAYERS.findIndex((units) => units.includes(unit));
}

const IMPORT_PATTERNS = [
  /\b(?:import|export)\b[^;"'`]*?\bfrom\s*["']([^"']+)["']/g,
  /\bimport\s*["']([^"']+)["']/g,
  /\bimport\(\s*["']([^"']+)["']\s*\)/g,
];

/** Every specifier a source text imports or re-exports, static or dynamic. */
function specifiersOf(source: string): string[] {
  return IMPORT_PATTERNS.flatMap((pattern) => [...source.matchAll(pattern)].map((match) => match[1] as string));
}

function importEdges(): ImportEdge[] {
  const files = (readdirSync(SRC, { recursive: true }) as string[])
    .map((path) => path.split("\\").join("/"))
    .filter((path) => path.endsWith(".ts") && path !== SELF);
  return files.flatMap((from) =>
    specifiersOf(readFileSync(join(SRC, from), "utf8")).map((specifier) => ({
      from,
      to: specifier.startsWith(".")
        ? posix.normalize(posix.join(posix.dirname(from), specifier)).replace(/\.js$/, ".ts")
        : specifier,
    })),
  );
}

/** What is wrong with these imports, one readable line each; empty when they point one way. */
function violations(edges: readonly ImportEdge[]): string[] {
  const problems: string[] = [];
  for (const { from, to } of edges) {
    const fromUnit = unitOf(from);
    const fromLayer = layerOf(fromUnit);
    if (fromLayer === -1) {
      problems.push(`${from}: unit "${fromUnit}" has no layer; add it to LAYERS in dependency-direction.test.ts`);
      continue;
    }
    const internal = to.endsWith(".ts") || to.startsWith("..");
    if (!internal) {
      if (fromLayer <= TRANSPORT_FREE_LAYER && TRANSPORT_PACKAGES.some((pattern) => pattern.test(to))) {
        problems.push(`${from} imports the transport package ${to}`);
      }
      continue;
    }
    if (to.startsWith("..")) continue; // outside src/, such as ../package.json
    const toUnit = unitOf(to);
    if (to === COMPOSITION_ROOT && from !== COMPOSITION_ROOT_IMPORTER) {
      problems.push(`${from} imports the composition root; only ${COMPOSITION_ROOT_IMPORTER} may`);
      continue;
    }
    if (toUnit === fromUnit) continue;
    const toLayer = layerOf(toUnit);
    if (toLayer === -1) problems.push(`${from} imports ${to}, whose unit "${toUnit}" has no layer in LAYERS`);
    else if (toLayer >= fromLayer)
      problems.push(`${from} (${fromUnit}) imports ${to} (${toUnit}): it points up or sideways`);
  }
  return problems;
}

describe("server dependency direction", () => {
  it("finds the imports it checks, static, multi-line and dynamic", () => {
    const edges = importEdges();
    expect(edges).toContainEqual({ from: "natter-server.ts", to: "composition-root.ts" });
    expect(edges).toContainEqual({ from: "composition-root.ts", to: "services/services.ts" });
    expect(specifiersOf('import {\n  a,\n  b,\n} from "./x.js";\nconst m = await import("../y.js");')).toEqual([
      "./x.js",
      "../y.js",
    ]);
  });

  it("every import of server/src points down the layers", () => {
    expect(violations(importEdges())).toEqual([]);
  });

  it("refuses imports that point up, sideways, at the composition root or at transport packages", () => {
    expect(
      violations([
        { from: "services/rooms-service.ts", to: "http/responses.ts" },
        { from: "events/room-log.ts", to: "services/room-access.ts" },
        { from: "http/request-handler.ts", to: "ws/ws-server.ts" },
        { from: "ws/ws-server.ts", to: "composition-root.ts" },
        { from: "services/rooms-service.ts", to: "@trpc/server" },
        { from: "storage/blob-store.ts", to: "clock/clock.ts" },
      ]),
    ).toHaveLength(6);
    expect(
      violations([
        { from: "http/request-handler.ts", to: "services/services.ts" },
        { from: "services/rooms-service.ts", to: "services/room-access.ts" },
        { from: "natter-server.ts", to: "composition-root.ts" },
        { from: "trpc/trpc.ts", to: "@trpc/server" },
      ]),
    ).toEqual([]);
  });
});
