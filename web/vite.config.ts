import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

/** The service worker's entry: built to `dist/sw.js` under a fixed name, as its URL is its identity. */
const SERVICE_WORKER_ENTRY = "sw";

/**
 * natter's web app. Everything it loads is built into `dist/` and served by natter itself
 * (no CDN); hashed file names let the server mark assets immutable.
 */
export default defineConfig({
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  build: {
    target: "es2022",
    outDir: "dist",
    emptyOutDir: true,
    // No inline scripts or styles, so a strict Content-Security-Policy holds.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    sourcemap: false,
    rolldownOptions: {
      input: {
        index: fileURLToPath(new URL("index.html", import.meta.url)),
        [SERVICE_WORKER_ENTRY]: fileURLToPath(new URL("src/push/service-worker.ts", import.meta.url)),
      },
      output: {
        entryFileNames: (chunk) => (chunk.name === SERVICE_WORKER_ENTRY ? "sw.js" : "assets/[name]-[hash].js"),
      },
    },
  },
  server: { proxy: { "/trpc": { target: "http://127.0.0.1:3000", ws: true } } },
});
