import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { loadConfig } from "./config.js";
import { renderSettingsMarkdown, settingRows } from "./settings-table.js";

const README = new URL("../../../README.md", import.meta.url);

describe("the settings table", () => {
  it("is what the README shows between its settings markers", () => {
    const readme = readFileSync(README, "utf8");
    const table = /<!-- settings:start[^>]*-->\n([\s\S]*?)\n<!-- settings:end -->/.exec(readme)?.[1];
    expect(table, "README.md lacks the settings markers").toBeDefined();
    expect(table).toBe(renderSettingsMarkdown());
  });

  it("gives every setting its own variable and flag", () => {
    const rows = settingRows();
    expect(new Set(rows.map((row) => row.env)).size).toBe(rows.length);
    expect(new Set(rows.map((row) => row.flag)).size).toBe(rows.length);
    for (const row of rows) expect(row.env).toMatch(/^NATTER_[A-Z0-9_]+$/);
  });

  it("reads each setting from its variable", () => {
    for (const row of settingRows().filter((candidate) => candidate.key === "port" || candidate.key === "wsPingMs")) {
      const config = loadConfig({}, { [row.env]: "4321" });
      expect(config[row.key]).toBe(4321);
    }
  });
});
