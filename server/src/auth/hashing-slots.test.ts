import { describe, expect, it } from "vitest";
import { HashingSlots } from "./hashing-slots.js";

/** A unit of work that finishes when the test says so. */
function deferred() {
  let finish!: () => void;
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });
  return { done, finish };
}

describe("HashingSlots", () => {
  it("runs at most `limit` at once and starts the rest in arrival order", async () => {
    const slots = new HashingSlots(2);
    const works = [deferred(), deferred(), deferred(), deferred()];
    const started: number[] = [];
    const runs = works.map((work, i) =>
      slots.run(async () => {
        started.push(i);
        await work.done;
        return i;
      }),
    );
    await Promise.resolve();
    expect(started).toEqual([0, 1]);
    works[1]?.finish();
    await runs[1];
    await Promise.resolve();
    expect(started).toEqual([0, 1, 2]);
    works[0]?.finish();
    works[2]?.finish();
    works[3]?.finish();
    expect(await Promise.all(runs)).toEqual([0, 1, 2, 3]);
    expect(started).toEqual([0, 1, 2, 3]);
  });

  it("frees the slot of work that fails", async () => {
    const slots = new HashingSlots(1);
    await expect(slots.run(() => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    expect(await slots.run(async () => "next")).toBe("next");
  });
});
