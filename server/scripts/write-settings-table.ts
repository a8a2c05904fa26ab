// Rewrites the README's settings table from the config schema: `pnpm run docs:settings`.
import { readFileSync, writeFileSync } from "node:fs";
import { renderSettingsMarkdown } from "../src/config/settings-table.js";

const readmeUrl = new URL("../../README.md", import.meta.url);
const readme = readFileSync(readmeUrl, "utf8");
const marked = /(<!-- settings:start[^>]*-->\n)[\s\S]*?(\n<!-- settings:end -->)/;
if (!marked.test(readme)) throw new Error("README.md lacks the settings markers");
writeFileSync(
  readmeUrl,
  readme.replace(marked, (_, start: string, end: string) => `${start}${renderSettingsMarkdown()}${end}`),
);
