// Copies the built chat app (web/dist) into dist/web-app for `pnpm pack`, so that the published
// `natter` package serves `/` and `/admin` on its own; postpack removes the copy again, so the
// workspace's server keeps serving web/dist as it is rebuilt.
import { cpSync, existsSync, rmSync } from "node:fs";
import { fileURLToPath } from "node:url";

const built = fileURLToPath(new URL("../../web/dist/", import.meta.url));
const copy = fileURLToPath(new URL("../dist/web-app/", import.meta.url));

if (process.argv[2] === "--remove") {
  rmSync(copy, { recursive: true, force: true });
} else {
  if (!existsSync(`${built}index.html`)) throw new Error(`the chat app is not built: no ${built}index.html`);
  rmSync(copy, { recursive: true, force: true });
  cpSync(built, copy, { recursive: true });
}
