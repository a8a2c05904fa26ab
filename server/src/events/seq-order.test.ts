import type { RoomEvent } from "@natter/shared";
import { afterEach, describe, expect, it, vi } from "vitest";
import { SeqOrder } from "./seq-order.js";

const event = (seq: number): RoomEvent => ({
  type: "member.left",
  roomId: "0198f0c2-6b1e-7a3c-9d4e-5f6a7b8c9d0e",
  seq,
  at: "2026-12-03T08:00:00.000Z",
  actorId: null,
  userId: "0198f0c2-6b1e-7a3c-9d4e-5f6a7b8c9d0f",
});

describe("SeqOrder", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("hands events on in seq order, each once, however they arrive", () => {
    const seen: number[] = [];
    const order = new SeqOrder(4, (each) => seen.push(each.seq));
    for (const seq of [7, 5, 3, 6, 5, 8]) order.push(event(seq));
    expect(seen).toEqual([5, 6, 7, 8]);
    order.stop();
  });

  it("goes on past a missing event after a moment, still in order", () => {
    vi.useFakeTimers();
    const seen: number[] = [];
    const order = new SeqOrder(0, (each) => seen.push(each.seq));
    order.push(event(1));
    order.push(event(4));
    order.push(event(3));
    expect(seen).toEqual([1]);
    vi.advanceTimersByTime(1000);
    expect(seen).toEqual([1, 3, 4]);
    order.push(event(2));
    order.push(event(5));
    expect(seen).toEqual([1, 3, 4, 5]);
  });
});
