import { describe, expect, it } from "vitest";
import { TypingSignal } from "./typing-signal.js";

/** A typing call whose answer the test releases. */
function announcer() {
  const calls: ((expiresAt: string) => void)[] = [];
  const announce = () =>
    new Promise<{ expiresAt: string }>((resolve) => calls.push((expiresAt) => resolve({ expiresAt })));
  return { announce, calls };
}

const settled = () => new Promise((resolve) => setImmediate(resolve));

describe("the typing signal", () => {
  it("announces once per draft while the indicator is up, and again shortly before it lapses", async () => {
    let now = 1_000_000;
    const { announce, calls } = announcer();
    const signal = new TypingSignal(announce, () => now);
    signal.typed();
    signal.typed();
    expect(calls).toHaveLength(1);
    calls[0]?.(new Date(now + 5_000).toISOString());
    await settled();
    now += 3_000;
    signal.typed();
    expect(calls).toHaveLength(1);
    now += 1_000;
    signal.typed();
    expect(calls).toHaveLength(2);
  });

  it("announces the next draft even when the previous draft's answer arrives after its send", async () => {
    const now = 1_000_000;
    const { announce, calls } = announcer();
    const signal = new TypingSignal(announce, () => now);
    signal.typed();
    signal.sent();
    calls[0]?.(new Date(now + 5_000).toISOString());
    await settled();
    signal.typed();
    expect(calls).toHaveLength(2);
  });

  it("tries again at the next keystroke after a failed call", async () => {
    const calls: (() => void)[] = [];
    const signal = new TypingSignal(() => new Promise((_, reject) => calls.push(() => reject(new Error("offline")))));
    signal.typed();
    calls[0]?.();
    await settled();
    signal.typed();
    expect(calls).toHaveLength(2);
  });
});
