// Bundles the `natter` command into dist/bundle/ (`pnpm run bundle`; `pnpm run build` runs it).
import { bundleServer } from "./bundle-server.js";

await bundleServer();
