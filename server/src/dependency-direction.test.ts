import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, posix, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

/**
 * The server's units (a folder, or a file at the root of `src/`) from the bottom up. A unit
 * may import its own files and units of LOWER layers only: transports sit on routers, routers
 * on services, services on auth/events, and nothing reaches up. A new folder must be placed
 * here, so its direction is decided once, on purpose. Below this level (the folders of
 * `services/`, `cli/`, ...) and across `web/src`, every folder and every file is held to one
 * direction too: none may import, through any chain, one that imports it back, a parent and
 * its sub-folder included (see `cycles`).
 */
const LAYERS: readonly (readonly string[])[] = [
  ["package-root.ts"],
  ["clock", "config", "json", "origin", "redis", "logger.ts", "version.ts"],
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
/** The web app's sources: no layers of their own, but no folder cycle either. */
const WEB_SRC = resolve(SRC, "../../web/src");
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

/** The source file an import of `path` (written `.js`, as compiled) loads: `.ts`, or `.tsx` when that is what exists. */
function sourceOf(root: string, path: string): string {
  const ts = path.replace(/\.js$/, ".ts");
  const tsx = path.replace(/\.js$/, ".tsx");
  return ts !== tsx && !existsSync(join(root, ts)) && existsSync(join(root, tsx)) ? tsx : ts;
}

/** Every import of the sources under `root` (`.ts` and `.tsx`), relative ones resolved against it. */
function importEdges(root = SRC): ImportEdge[] {
  const files = (readdirSync(root, { recursive: true }) as string[])
    .map((path) => path.split("\\").join("/"))
    .filter((path) => /\.tsx?$/.test(path) && path !== SELF);
  return files.flatMap((from) =>
    specifiersOf(readFileSync(join(root, from), "utf8")).map((specifier) => ({
      from,
      to: specifier.startsWith(".")
        ? sourceOf(root, posix.normalize(posix.join(posix.dirname(from), specifier)))
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

/**
 * A file's folder, the node of the folder graph: `services/rooms/membership.ts` ->
 * `services/rooms`. A parent folder and its sub-folders are distinct nodes, so a child that
 * imports its parent while the parent imports it is a cycle. A file at the root is a node of
 * its own, as it is a unit of its own in LAYERS.
 */
function folderOf(path: string): string {
  const slash = path.lastIndexOf("/");
  return slash === -1 ? path : path.slice(0, slash);
}

/**
 * The cycles these imports make between nodes (`nodeOf` a file: its folder, or the file
 * itself), one readable line each, with the imports that close them; empty when the nodes
 * import one another one way only. Found as the strongly connected components of the graph
 * (Tarjan), so a cycle through any number of nodes counts, not only two importing each other.
 */
function cycles(edges: readonly ImportEdge[], nodeOf: (path: string) => string): string[] {
  const graph = new Map<string, Set<string>>();
  const crossing = edges
    .filter(({ to }) => to.endsWith(".ts") || to.endsWith(".tsx"))
    .map((edge) => ({ ...edge, fromNode: nodeOf(edge.from), toNode: nodeOf(edge.to) }))
    .filter(({ fromNode, toNode }) => fromNode !== toNode);
  for (const { fromNode, toNode } of crossing) {
    graph.set(fromNode, (graph.get(fromNode) ?? new Set()).add(toNode));
    if (!graph.has(toNode)) graph.set(toNode, new Set());
  }
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const components: string[][] = [];
  const visit = (node: string): void => {
    index.set(node, index.size);
    low.set(node, index.get(node) as number);
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node) as number, low.get(next) as number));
      } else if (stack.includes(next)) {
        low.set(node, Math.min(low.get(node) as number, index.get(next) as number));
      }
    }
    if (low.get(node) !== index.get(node)) return;
    const component: string[] = [];
    let member: string | undefined;
    do {
      member = stack.pop() as string;
      component.push(member);
    } while (member !== node);
    if (component.length > 1) components.push(component.sort());
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return components.map((component) => {
    const closing = crossing
      .filter(({ fromNode, toNode }) => component.includes(fromNode) && component.includes(toNode))
      .map(({ from, to }) => `${from} -> ${to}`);
    return `${component.join(", ")} import one another: ${closing.join("; ")}`;
  });
}

/** Folders that import one another, directly or through others (see `folderOf`). */
function folderCycles(edges: readonly ImportEdge[]): string[] {
  return cycles(edges, folderOf);
}

/** Files that import one another, directly or through others. */
function fileCycles(edges: readonly ImportEdge[]): string[] {
  return cycles(edges, (path) => path);
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

  it("no folder or file of server/src imports, through any chain, one that imports it back", () => {
    expect(folderCycles(importEdges())).toEqual([]);
    expect(fileCycles(importEdges())).toEqual([]);
  });

  it("no folder or file of web/src imports, through any chain, one that imports it back", () => {
    const edges = importEdges(WEB_SRC);
    expect(edges).toContainEqual({ from: "ui/chat-shell.tsx", to: "ui/admin/admin-view.tsx" });
    expect(folderCycles(edges)).toEqual([]);
    expect(fileCycles(edges)).toEqual([]);
  });

  it("finds file cycles", () => {
    expect(
      fileCycles([
        { from: "services/accounts-service.ts", to: "services/create-account.ts" },
        { from: "services/create-account.ts", to: "services/accounts-service.ts" },
        { from: "services/bots-service.ts", to: "services/create-account.ts" },
      ]),
    ).toEqual([
      "services/accounts-service.ts, services/create-account.ts import one another: services/accounts-service.ts -> services/create-account.ts; services/create-account.ts -> services/accounts-service.ts",
    ]);
  });

  it("finds folder cycles between a parent and its child, and through several folders", () => {
    expect(
      folderCycles([
        { from: "services/services.ts", to: "services/rooms/rooms-service.ts" },
        { from: "services/rooms/rooms-service.ts", to: "services/room-access.ts" },
      ]),
    ).toEqual([
      "services, services/rooms import one another: services/services.ts -> services/rooms/rooms-service.ts; services/rooms/rooms-service.ts -> services/room-access.ts",
    ]);
    expect(
      folderCycles([
        { from: "ui/app.tsx", to: "chat/chat-session.ts" },
        { from: "chat/chat-session.ts", to: "images/attachment-images.ts" },
        { from: "images/upload-error-text.ts", to: "ui/error-text.ts" },
      ]),
    ).toHaveLength(1);
    expect(
      folderCycles([
        { from: "services/services.ts", to: "services/rooms/rooms-service.ts" },
        { from: "services/rooms/rooms-service.ts", to: "services/access/room-access.ts" },
        { from: "natter-server.ts", to: "http/routes.ts" },
        { from: "http/routes.ts", to: "package-root.ts" },
      ]),
    ).toEqual([]);
  });
});
