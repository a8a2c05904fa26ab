import { describe, expect, it } from "vitest";
import type { Message } from "./app-router.js";
import { awaitingConfirmation, type SentText } from "./confirmations.js";
import { storedMessage } from "./message.fixture.js";

const sent = (body: string, afterSeq: number): SentText => ({ body, afterSeq });
const stored = (seq: number, body: string, authorId = "me"): Message => storedMessage(seq, { body, authorId });
const bodies = (sends: SentText[]) => sends.map((send) => send.body);
const itself = (send: SentText) => send;

describe("sends awaiting their stored message", () => {
  it("leaves out a send whose stored copy arrived live, each copy standing for one", () => {
    const sends = [sent("yes", 4), sent("yes", 4), sent("later", 4)];
    expect(bodies(awaitingConfirmation(sends, itself, [stored(5, "yes")], "me"))).toEqual(["yes", "later"]);
    expect(bodies(awaitingConfirmation(sends, itself, [stored(5, "yes"), stored(6, "yes")], "me"))).toEqual(["later"]);
  });

  it("does not take an older message, someone else's, or one already confirmed for the copy", () => {
    const sends = [sent("yes", 4)];
    expect(awaitingConfirmation(sends, itself, [stored(3, "yes")], "me")).toHaveLength(1);
    expect(awaitingConfirmation(sends, itself, [stored(5, "yes", "someone-else")], "me")).toHaveLength(1);
    expect(awaitingConfirmation(sends, itself, [stored(5, "yes")], "me", new Set(["m5"]))).toHaveLength(1);
  });

  it("keeps a send that cannot have been stored, and every send while the author is unknown", () => {
    const sends = [sent("refused", 4)];
    expect(awaitingConfirmation(sends, () => undefined, [stored(5, "refused")], "me")).toHaveLength(1);
    expect(awaitingConfirmation(sends, itself, [stored(5, "refused")], undefined)).toHaveLength(1);
  });
});
