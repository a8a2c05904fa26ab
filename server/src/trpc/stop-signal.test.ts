import { EventEmitter, on } from "node:events";
import { describe, expect, it } from "vitest";
import { StopSignal } from "./stop-signal.js";

describe("a subscription's stop signal", () => {
  it("tells each abort listener once, in order, and none added or removed after", () => {
    const stop = new StopSignal();
    const heard: string[] = [];
    const removed = () => heard.push("removed");
    stop.addEventListener("abort", () => heard.push("first"), { once: true });
    stop.addEventListener("abort", { handleEvent: () => heard.push("second") });
    stop.addEventListener("abort", removed);
    stop.removeEventListener("abort", removed);
    stop.onabort = () => heard.push("onabort");
    expect(stop.aborted).toBe(false);
    stop.abort();
    stop.abort();
    stop.addEventListener("abort", () => heard.push("late"));
    expect(heard).toEqual(["onabort", "first", "second"]);
    expect(stop.aborted).toBe(true);
    expect(() => stop.throwIfAborted()).toThrow(/aborted/);
  });

  it("ends Node's events.on iteration as an AbortSignal would", async () => {
    const stop = new StopSignal();
    const emitter = new EventEmitter();
    const items = on(emitter, "item", { signal: stop.signal });
    emitter.emit("item", 1);
    expect((await items.next()).value).toEqual([1]);
    const pending = items.next();
    stop.abort();
    await expect(pending).rejects.toMatchObject({ name: "AbortError" });
  });
});
