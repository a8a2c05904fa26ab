import type { Message } from "@natter/client";
import { describe, expect, it } from "vitest";
import { groupByDay } from "./timeline.js";

/** A message as far as days care: where it sits and when it was written. */
const writtenAt = (seq: number, createdAt: string) => ({ id: `m${seq}`, seq, createdAt }) as Message;

describe("a room's timeline by day", () => {
  it("groups messages by the local day they were written", () => {
    const days = groupByDay([
      writtenAt(1, new Date(2026, 2, 1, 9).toISOString()),
      writtenAt(2, new Date(2026, 2, 1, 23).toISOString()),
      writtenAt(3, new Date(2026, 2, 2, 0, 30).toISOString()),
    ]);
    expect(days.map(({ day, messages }) => [day, messages.length])).toEqual([
      ["2026-03-01", 2],
      ["2026-03-02", 1],
    ]);
  });
});
