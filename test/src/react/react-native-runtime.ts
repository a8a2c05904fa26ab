import { runInNewContext, runInThisContext } from "node:vm";
import { WebSocket } from "ws";

/** The bundle's file name in stack traces, by which a global's lookup is traced to its module. */
const BUNDLE_FILE = "natter-react-native-bundle.js";

/**
 * The globals a React Native app's JavaScript has besides the language's own: its networking
 * (fetch, WebSocket, XMLHttpRequest, Blob, FormData, URL, AbortController), timers, console,
 * Hermes' TextEncoder, `performance`, a `navigator` that names the product, and `global` /
 * `window` / `self` as the global object itself. No `document`, no storage, no DOM events.
 */
const REACT_NATIVE_GLOBALS = [
  "fetch",
  "Headers",
  "Request",
  "Response",
  "FormData",
  "Blob",
  "WebSocket",
  "AbortController",
  "AbortSignal",
  "URL",
  "URLSearchParams",
  "TextEncoder",
  "TextDecoder",
  "setTimeout",
  "clearTimeout",
  "setInterval",
  "clearInterval",
  "setImmediate",
  "clearImmediate",
  "queueMicrotask",
  "console",
  "performance",
  "navigator",
  "global",
  "window",
  "self",
  "__DEV__",
] as const;

/** The language's own globals (Object, Promise, Map, JSON…): what a fresh V8 context has, and nothing of Node's. */
const LANGUAGE_GLOBALS = new Set(Object.getOwnPropertyNames(runInNewContext("globalThis")));

/** One lookup of a global the language does not provide, and the bundled module that made it. */
export interface GlobalLookup {
  name: string;
  /** The module's path as esbuild names it in the bundle (relative to the working directory). */
  module: string;
  /** Whether React Native has it. */
  present: boolean;
}

/** A script run as in React Native, and every global it looked up beyond the language's. */
export interface ReactNativeRun<T> {
  exports: T;
  lookups: Map<string, GlobalLookup>;
}

/**
 * Runs a CommonJS bundle with React Native's globals and no others: every free name in it
 * resolves through a proxy (a `with` scope), which answers the language's globals and React
 * Native's (networking from Node: fetch, and `ws` as the WebSocket), `undefined` for any
 * other (as `typeof` finds it in React Native), and records each lookup beyond the language's
 * with the module that made it, read from the stack. Runs in this realm, so the objects it
 * hands back are ordinary ones (no cross-realm `instanceof` surprises).
 */
export function runAsReactNative<T>(bundle: string): ReactNativeRun<T> {
  const modules = moduleStarts(bundle);
  const lookups = new Map<string, GlobalLookup>();
  /** What the script defined at its top level (esbuild's helpers, `module`). */
  const defined = new Map<PropertyKey, unknown>();
  const module = { exports: {} as T };
  defined.set("module", module);
  defined.set("exports", module.exports);
  const host = globalThis as Record<string, unknown>;
  const provided: Record<string, unknown> = {
    WebSocket,
    navigator: { product: "ReactNative" },
    __DEV__: true,
  };

  const record = (name: string, present: boolean) => {
    const module = callerModule(new Error().stack ?? "", modules);
    const key = `${name} ${module}`;
    if (!lookups.has(key)) lookups.set(key, { name, module, present });
  };
  const scope: object = new Proxy(Object.create(null), {
    has: () => true,
    get(_target, key) {
      if (key === Symbol.unscopables || typeof key === "symbol") return undefined;
      if (defined.has(key)) return defined.get(key);
      if (key === "globalThis") return scope;
      if (LANGUAGE_GLOBALS.has(key)) return host[key];
      if ((REACT_NATIVE_GLOBALS as readonly string[]).includes(key)) {
        record(key, true);
        if (key === "global" || key === "window" || key === "self") return scope;
        return key in provided ? provided[key] : host[key];
      }
      record(key, false);
      return undefined;
    },
    set(_target, key, value) {
      defined.set(key, value);
      return true;
    },
  });
  // Sloppy mode (a `with` scope); the bundle's own modules keep their strictness inside it.
  const run = runInThisContext(`(function (scope) { with (scope) {\n${bundle}\n} })`, { filename: BUNDLE_FILE }) as (
    scope: object,
  ) => void;
  run(scope);
  return { exports: module.exports, lookups };
}

/** The line (1-based, in the bundle) where each bundled module starts, from esbuild's `// path` comments. */
function moduleStarts(bundle: string): { line: number; path: string }[] {
  const starts: { line: number; path: string }[] = [];
  bundle.split("\n").forEach((text, index) => {
    const match = /^\s*\/\/ (\S+\.(?:[cm]?js|ts|tsx))$/.exec(text);
    if (match?.[1]) starts.push({ line: index + 1, path: match[1] });
  });
  return starts;
}

/** The bundled module of the innermost stack frame in the bundle. */
function callerModule(stack: string, starts: { line: number; path: string }[]): string {
  const frame = stack.split("\n").find((line) => line.includes(BUNDLE_FILE));
  const match = frame && new RegExp(`${BUNDLE_FILE.replaceAll(".", "\\.")}:(\\d+):`).exec(frame);
  if (!match?.[1]) return "(unknown)";
  // The wrapper's first line comes before the bundle's first.
  const line = Number(match[1]) - 1;
  let module = "(bundle prelude)";
  for (const start of starts) {
    if (start.line > line) break;
    module = start.path;
  }
  return module;
}
