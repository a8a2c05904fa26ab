#!/usr/bin/env node
// Runs the compiled server (`pnpm run build` writes dist/). Development runs the sources
// through tsx instead: `node --conditions=natter-source --import tsx server/src/cli/main.ts`.
await import("../dist/cli/main.js");
