#!/usr/bin/env node
// Runs the bundled server (`pnpm run build` writes dist/bundle/). Development runs the sources
// through tsx instead: `node --conditions=natter-source --import tsx server/src/cli/main.ts`.
await import("../dist/bundle/main.js");
