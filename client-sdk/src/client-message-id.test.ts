import { afterEach, describe, expect, it, vi } from "vitest";
import { newClientMessageId } from "./client-message-id.js";

describe("newClientMessageId", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("is a UUID where the runtime has crypto.randomUUID", () => {
    expect(newClientMessageId()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it("is 128 random bits in hex without crypto at all, as in React Native without a polyfill", () => {
    vi.stubGlobal("crypto", undefined);
    const ids = new Set(Array.from({ length: 1000 }, () => newClientMessageId()));
    expect(ids.size).toBe(1000);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{32}$/);
  });
});
