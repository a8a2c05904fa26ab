import type { RoomEvent } from "@natter/shared";
import { afterEach, describe, expect, it, vi } from "vitest";
import { type GapFill, SeqOrder } from "./seq-order.js";

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
    const order = new SeqOrder(4, { onEvent: (each) => seen.push(each.seq) });
    for (const seq of [7, 5, 3, 6, 5, 8]) order.push(event(seq));
    expect(seen).toEqual([5, 6, 7, 8]);
    order.stop();
  });

  it("goes on past a missing event after a moment, still in order", () => {
    vi.useFakeTimers();
    const seen: number[] = [];
    const order = new SeqOrder(0, { onEvent: (each) => seen.push(each.seq) });
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

  it("reads a gap that outlasts the hold once, and hands the log's events on in order", async () => {
    vi.useFakeTimers();
    const seen: number[] = [];
    const reads: Array<[number, number]> = [];
    const order = new SeqOrder(0, { onEvent: (each) => seen.push(each.seq) }, async (afterSeq, beforeSeq) => {
      reads.push([afterSeq, beforeSeq]);
      return [event(2), event(3)];
    });
    order.push(event(1));
    order.push(event(4));
    await vi.advanceTimersByTimeAsync(1000);
    expect(reads).toEqual([[1, 4]]);
    expect(seen).toEqual([1, 2, 3, 4]);
    // The late ones are dropped: each event goes on once.
    order.push(event(2));
    order.push(event(5));
    expect(seen).toEqual([1, 2, 3, 4, 5]);
  });

  it("goes on past a gap the log lacks too, or cannot be read", async () => {
    vi.useFakeTimers();
    const fills: GapFill<RoomEvent>[] = [async () => [], () => Promise.reject(new Error("database down"))];
    for (const fill of fills) {
      const seen: number[] = [];
      const order = new SeqOrder(0, { onEvent: (each) => seen.push(each.seq) }, fill);
      order.push(event(3));
      await vi.advanceTimersByTimeAsync(1000);
      expect(seen).toEqual([3]);
    }
  });

  it("hands nothing on once stopped while a gap is read", async () => {
    vi.useFakeTimers();
    const seen: number[] = [];
    let answer: (events: RoomEvent[]) => void = () => {};
    const order = new SeqOrder(
      0,
      { onEvent: (each) => seen.push(each.seq) },
      () => new Promise<RoomEvent[]>((resolve) => (answer = resolve)),
    );
    order.push(event(2));
    await vi.advanceTimersByTimeAsync(1000);
    order.stop();
    answer([event(1)]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(seen).toEqual([]);
  });
});
