import type { RoomEvent } from "@natter/shared";
import type { LogListener } from "./room-event-bus.js";

/** What a log's entries carry that ordering needs: their place in the log. */
export interface Sequenced {
  seq: number;
}

/**
 * Reads a log's entries after `afterSeq` and before `beforeSeq` (a gap), oldest first; it may
 * answer fewer (a log deleted meanwhile), and never fails the ordering when it rejects.
 */
export type GapFill<E> = (afterSeq: number, beforeSeq: number) => Promise<readonly E[]>;

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
 * or late: a busy node) has the gap read from the log once, by `fill`, for all of this
 * node's watchers; what the log lacks even then (a log deleted with its room) goes on
 * without it, and watchers fill that gap themselves, as the bus contract allows.
 */
export class SeqOrder<E extends Sequenced = RoomEvent> {
  /**
   * Events waiting for the ones before them, by seq; none (nearly always), no map: the way of
   * an event in order reads this object alone (`LogListener`'s note on waits for memory).
   */
  private held: Map<number, E> | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** Set while `fill` reads a gap: events keep being ordered, and nothing more is read meanwhile. */
  private filling = false;
  private stopped = false;

  /**
   * `last`: the newest seq already handed on (or known when the room began to be followed).
   * `to`: where events go on, in order.
   * `fill`: reads a gap that outlasted `HOLD_MS` from the log; without it, events go on past the gap.
   */
  constructor(
    protected last: number,
    private readonly to: LogListener<E>,
    private readonly fill?: GapFill<E>,
  ) {}

  /** Hands `event` on in order; drops an event at or before one already handed on. */
  push(event: E): void {
    if (event.seq <= this.last) return;
    if (event.seq !== this.last + 1) {
      this.hold(event);
      return;
    }
    this.handOn(event);
    const { held } = this;
    // Nothing held (nearly always): no look-up, and no hold timer to clear.
    if (held === undefined) return;
    for (let next = held.get(this.last + 1); next; next = held.get(this.last + 1)) {
      held.delete(next.seq);
      this.handOn(next);
    }
    if (held.size === 0) {
      this.held = undefined;
      this.clearTimer();
    }
  }

  /** Stops waiting: the room is no longer followed. */
  stop(): void {
    this.stopped = true;
    this.clearTimer();
  }

  /** Keeps an event that came before the ones it follows, until they come or the hold runs out. */
  private hold(event: E): void {
    this.held ??= new Map();
    this.held.set(event.seq, event);
    if (this.held.size > MAX_HELD) this.release();
    else if (!this.filling) this.timer ??= setTimeout(() => this.stalled(), HOLD_MS);
  }

  private clearTimer(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** The hold ran out: reads the gap before the first held event once, then goes on past it if it is still missing. */
  private stalled(): void {
    this.timer = undefined;
    const fill = this.fill;
    if (!fill || this.held === undefined) {
      this.release();
      return;
    }
    this.filling = true;
    const first = Math.min(...this.held.keys());
    fill(this.last, first)
      .then(
        (events) => {
          if (!this.stopped) for (const event of events) this.push(event);
        },
        () => {},
      )
      .finally(() => {
        this.filling = false;
        if (this.stopped || this.held === undefined) return;
        // The log lacks the gap's events: go on without them. Closed, a later gap waits its own hold.
        if (this.last < first) this.release();
        else this.timer ??= setTimeout(() => this.stalled(), HOLD_MS);
      });
  }

  /** Hands on everything held, in seq order, past whatever is missing. */
  private release(): void {
    this.clearTimer();
    const held = [...(this.held?.values() ?? [])].sort((a, b) => a.seq - b.seq);
    this.held = undefined;
    for (const event of held) this.handOn(event);
  }

  /** Hands an event on in order (a subclass may note it first, then call this). */
  protected handOn(event: E): void {
    this.last = event.seq;
    this.to.onEvent(event);
  }
}
