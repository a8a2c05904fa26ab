import type { RoomEvent } from "@natter/shared";

/** What a log's entries carry that ordering needs: their place in the log. */
export interface Sequenced {
  seq: number;
}

/** How long an event waits for the ones before it before it goes on without them. */
const HOLD_MS = 200;
/** Events held at most; past this they go on at once, in seq order. */
const MAX_HELD = 1000;

/**
 * Puts one log's events (a room's, or a user's inbox) back into seq order on their way to a node's listeners. Nodes
 * publish what each commits, so a node hears its own events at once and other nodes' a
 * Redis round trip later: seq 10 committed here can arrive before seq 9 committed elsewhere.
 * Handed on as it came, every watcher of the room would see a gap and read it from the log,
 * a query per watcher; held for the few milliseconds until seq 9 arrives, one ordered
 * stream reaches them all. An event whose predecessor does not come within `HOLD_MS` (lost,
 * or late) goes on anyway: watchers then fill the gap from the log, as the bus contract
 * allows, and `RoomLogTail` hands the lost one over.
 */
export class SeqOrder<E extends Sequenced = RoomEvent> {
  private readonly held = new Map<number, E>();
  private timer: NodeJS.Timeout | undefined;

  /** `last`: the newest seq already handed on (or known when the room began to be followed). */
  constructor(
    private last: number,
    private readonly emit: (event: E) => void,
  ) {}

  /** Hands `event` on in order; drops an event at or before one already handed on. */
  push(event: E): void {
    if (event.seq <= this.last) return;
    if (event.seq !== this.last + 1) {
      this.held.set(event.seq, event);
      if (this.held.size > MAX_HELD) this.release();
      else this.timer ??= setTimeout(() => this.release(), HOLD_MS);
      return;
    }
    this.handOn(event);
    for (let next = this.held.get(this.last + 1); next; next = this.held.get(this.last + 1)) {
      this.held.delete(next.seq);
      this.handOn(next);
    }
    if (this.held.size === 0) this.stop();
  }

  /** Stops waiting: the room is no longer followed. */
  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Hands on everything held, in seq order, past whatever is missing. */
  private release(): void {
    this.stop();
    const held = [...this.held.values()].sort((a, b) => a.seq - b.seq);
    this.held.clear();
    for (const event of held) this.handOn(event);
  }

  private handOn(event: E): void {
    this.last = event.seq;
    this.emit(event);
  }
}
