// Prints what a browser downloads: each built file's size, raw and gzipped, and the JavaScript total.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const assets = fileURLToPath(new URL("../dist/assets/", import.meta.url));
let scriptTotal = 0;
for (const name of readdirSync(assets).sort()) {
  const body = readFileSync(join(assets, name));
  const gzipped = gzipSync(body, { level: 9 }).length;
  if (name.endsWith(".js")) scriptTotal += gzipped;
  console.log(`${name}: ${(body.length / 1024).toFixed(1)} KB, ${(gzipped / 1024).toFixed(1)} KB gzipped`);
}
console.log(`JavaScript shipped: ${(scriptTotal / 1024).toFixed(1)} KB gzipped (budget 80 KB)`);
