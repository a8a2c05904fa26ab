import { messagePageSchema } from "@natter/shared";
import { describe, expect, it } from "vitest";
import { builtOutput } from "./built-output.js";

describe("builtOutput", () => {
  it("answers the page it is given as it is, and documents it as the schema does", async () => {
    const page = { messages: [], hasMore: false };
    const output = builtOutput(messagePageSchema);
    expect(output.parse(page)).toBe(page);
    expect(await output.parseAsync(page)).toBe(page);
    expect(output._zod.def).toBe(messagePageSchema._zod.def);
  });
});
