import { defineConfig } from "vite";

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
  },
  server: { proxy: { "/trpc": { target: "http://127.0.0.1:3000", ws: true } } },
});
