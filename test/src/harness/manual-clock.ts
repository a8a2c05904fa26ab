import type { Clock } from "natter";

interface Scheduled {
  instant: number;
  callback: () => void;
}

/** A clock that stands still until a test moves it; what is scheduled runs as it passes. */
export class ManualClock implements Clock {
  private readonly scheduled = new Set<Scheduled>();

  constructor(private current: number = Date.now()) {}

  now(): number {
    return this.current;
  }

  schedule(instant: number, callback: () => void): () => void {
    const entry = { instant, callback };
    this.scheduled.add(entry);
    if (instant <= this.current) queueMicrotask(() => this.runDue());
    return () => this.scheduled.delete(entry);
  }

  advance(ms: number): void {
    this.current += ms;
    this.runDue();
  }

  private runDue(): void {
    const due = [...this.scheduled].filter((entry) => entry.instant <= this.current);
    for (const entry of due.sort((a, b) => a.instant - b.instant)) {
      // Cancelled by an earlier callback of this round.
      if (!this.scheduled.delete(entry)) continue;
      entry.callback();
    }
  }
}
