import { defineConfig } from "vite";

/** Where natter listens; the dev and preview servers pass `/trpc` (HTTP and WebSocket) and `/api` on to it. */
const natter = process.env.NATTER_URL ?? "http://127.0.0.1:3000";
const proxy = { "/trpc": { target: natter, ws: true }, "/api": { target: natter } };

/** The example app: everything it loads is built into `dist/` (no CDN). */
export default defineConfig({
  oxc: { jsx: { runtime: "automatic", importSource: "react" } },
  build: { target: "es2022", outDir: "dist", emptyOutDir: true, sourcemap: false },
  server: { host: "127.0.0.1", proxy },
  preview: { host: "127.0.0.1", proxy },
});
