import { describe, expect, it } from "vitest";
import { fitWithin } from "./attachment-images.js";

describe("fitWithin", () => {
  it("shrinks to the box keeping the proportions, never enlarges", () => {
    expect(fitWithin({ width: 640, height: 480 }, 320, 240)).toEqual({ width: 320, height: 240 });
    expect(fitWithin({ width: 1000, height: 100 }, 320, 240)).toEqual({ width: 320, height: 32 });
    expect(fitWithin({ width: 100, height: 1000 }, 320, 240)).toEqual({ width: 24, height: 240 });
    expect(fitWithin({ width: 20, height: 10 }, 320, 240)).toEqual({ width: 20, height: 10 });
    expect(fitWithin({ width: 5000, height: 1 }, 320, 240)).toEqual({ width: 320, height: 1 });
  });
});
