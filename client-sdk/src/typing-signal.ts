/** How long before the server's typing indicator lapses it is refreshed while one keeps typing. */
const REFRESH_MARGIN_MS = 1_500;

/**
 * Tells a room that one is typing, no more often than the indicator needs: once per
 * draft, then again shortly before the server lets it lapse. A message sent ends the
 * draft (the others drop the indicator when it lands), so the next keystroke raises it
 * again, even if the answer to the previous draft's call arrives after the send.
 */
export class TypingSignal {
  /** Until when the others see one typing (ms); 0: they do not. */
  private shownUntil = 0;
  /** Which draft a call in flight belongs to: an answer for an ended draft is ignored. */
  private draft = 0;

  constructor(
    private readonly announce: () => Promise<{ expiresAt: string }>,
    private readonly now: () => number = Date.now,
  ) {}

  /** The draft changed: announces typing unless the indicator is already up. */
  typed(): void {
    if (this.now() < this.shownUntil - REFRESH_MARGIN_MS) return;
    const draft = this.draft;
    this.shownUntil = Number.POSITIVE_INFINITY; // no second call while this one is in flight
    this.announce().then(
      ({ expiresAt }) => {
        if (draft === this.draft) this.shownUntil = Date.parse(expiresAt);
      },
      () => {
        if (draft === this.draft) this.shownUntil = 0;
      },
    );
  }

  /** The draft went out as a message: the next keystroke starts a new indicator. */
  sent(): void {
    this.draft += 1;
    this.shownUntil = 0;
  }
}
