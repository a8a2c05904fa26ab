import { LiveEventQueue } from "./live-event-queue.js";
import type { PushStream, StreamSink } from "./push-stream.js";
import type { LogListener } from "./room-event-bus.js";
import type { Sequenced } from "./seq-order.js";

/** Log entries read per query while a watcher catches up. */
const CATCH_UP_BATCH = 200;
/** Live events held per watcher; past this it drops them and catches up from the log. */
const LIVE_QUEUE_CAPACITY = 500;

/** What a stream's step comes to: an entry to hand out, the end, or a wait for the live queue. */
type Step<E> = IteratorResult<E, void> | typeof WAIT;
const WAIT = Symbol("wait");
const DONE: IteratorReturnResult<void> = Object.freeze({ done: true, value: undefined });

/**
 * What a `LogStream` reads and follows: one room's log as one caller sees it, or one user's
 * inbox. The stream's order, catch-up, overflow and fast path are the same for every source.
 */
export interface LogSource<E extends Sequenced> {
  /** Starts handing live entries to `listener` (the log's one bus subscription per node); answers the stop. */
  listen(listener: LogListener<E>): Promise<() => void>;
  /**
   * Checks the caller may watch from `afterSeq` (throws a refusal otherwise) once listening;
   * answers the log's newest seq as of the check, where a stream without `afterSeq` starts.
   */
  open(afterSeq: number | undefined): Promise<number>;
  /** Entries after `afterSeq`, oldest first, at most `limit`, as the caller is shown them. */
  read(afterSeq: number, limit: number): Promise<E[]>;
  /** Whether the stream must end after this entry (the caller's view of the log ended). */
  endsWith(event: E): boolean;
  /** Whether a live entry must be shown the caller its own way (`personalize`) rather than as published. */
  isPersonal(event: E): boolean;
  /** A live entry as the caller is shown it. */
  personalize(event: E): Promise<E>;
  /**
   * Called when an overflow's catch-up found nothing left to hand out: a log gone with its
   * last entry (a deleted room) must answer by throwing, as a reconnection would.
   */
  afterOverflow(): Promise<void>;
}

/**
 * One watch of a log (see `RoomEventsService.watch`), as an iterator object rather
 * than an async generator: a watcher waiting for the live queue, which is what nearly every
 * watcher does nearly all the time, then holds its pending `next` and its fields, not a
 * suspended generator frame and its promise chain. Entries are pulled one `next` at a time.
 */
export class LogStream<E extends Sequenced> implements AsyncGenerator<E, void>, PushStream<E> {
  private live: LiveEventQueue<E> | null = null;
  private watcher: CaughtUpWatcher<E> | null = null;
  /** Set once the source was opened. */
  private started = false;
  private stopListening: (() => void) | null = null;
  /** Set once the stream has ended, or will after the entry it just handed out. */
  private finished = false;
  private catchingUp: boolean;
  /** Set by an overflow until the catch-up it caused has reached the end of the log. */
  private overflowed = false;
  /** The seq of a live event a catch-up already tried to close the gap before. */
  private gapTriedFor = 0;
  /** A catch-up batch read from the log, handed out from `batchIndex`; null when none is. */
  private batch: E[] | null = null;
  private batchIndex = 0;
  /** The settling of the pending `next`. */
  private resolve: ((result: IteratorResult<E, void>) => void) | null = null;
  private reject: ((cause: unknown) => void) | null = null;
  /** Where entries go when the stream is pushed rather than iterated. */
  private sink: StreamSink<E> | null = null;

  constructor(
    private readonly source: LogSource<E>,
    private readonly afterSeq: number | undefined,
    private readonly signal: AbortSignal | undefined,
    private readonly deliver: ((event: E) => void) | undefined,
    private readonly opened: (() => void) | undefined,
  ) {
    this.catchingUp = afterSeq !== undefined;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  pushTo(sink: StreamSink<E>): void {
    this.sink = sink;
    this.run();
  }

  next(): Promise<IteratorResult<E, void>> {
    return new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
      this.run();
    });
  }

  async return(): Promise<IteratorResult<E, void>> {
    return this.end();
  }

  async throw(cause: unknown): Promise<IteratorResult<E, void>> {
    this.end();
    throw cause;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.end();
  }

  /**
   * Steps until an entry, the end or a wait for the live queue, and settles the pending
   * `next`, or hands the entry to the sink and steps on.
   */
  private run(): void {
    this.step().then(
      (step) => {
        if (step !== WAIT) this.settle(step);
        // A live entry may have ended the view between going live and here.
        else if (this.watcher?.ended) this.settle(this.end());
        else (this.live as LiveEventQueue<E>).whenReady(this.resume);
      },
      (cause: unknown) => {
        this.end();
        if (this.sink) this.sink.fail(cause);
        else this.reject?.(cause);
      },
    );
  }

  private settle(step: IteratorResult<E, void>): void {
    const { sink } = this;
    if (!sink) this.resolve?.(step);
    else if (step.done) sink.end();
    else {
      const held = sink.value(step.value);
      if (held) void held.then(this.stepOn);
      else this.run();
    }
  }

  /** Steps on once a sink that held the stream back lets go. */
  private readonly stepOn = (): void => this.run();

  private readonly resume = (woken: boolean): void => {
    // An entry delivered live may have ended the watcher's view.
    if (!woken || this.watcher?.ended) this.settle(this.end());
    else this.run();
  };

  private async step(): Promise<Step<E>> {
    if (this.finished) return this.end();
    if (!this.started) {
      await this.start();
      if (this.finished) return this.end();
    }
    const { source } = this;
    const live = this.live as LiveEventQueue<E>;
    const watcher = this.watcher as CaughtUpWatcher<E>;
    while (!this.signal?.aborted) {
      if (this.batch) {
        const event = this.batch[this.batchIndex];
        if (event) {
          this.batchIndex += 1;
          watcher.lastSent = event.seq;
          if (source.endsWith(event)) this.finished = true;
          return { done: false, value: event };
        }
        this.batch = null;
        // The overflow may have taken the log's last entry (a room's deletion) and the log
        // with it: with nothing left to tell the watcher, it would wait forever.
        if (this.overflowed && !this.catchingUp && !live.peek()) {
          this.overflowed = false;
          await source.afterOverflow();
        }
        continue;
      }
      if (live.takeOverflow()) this.catchingUp = this.overflowed = true;
      if (this.catchingUp) {
        const read = await source.read(watcher.lastSent, CATCH_UP_BATCH);
        this.catchingUp = read.length === CATCH_UP_BATCH;
        this.batch = read;
        this.batchIndex = 0;
        continue;
      }
      const next = live.peek();
      // Caught up: from here the watcher delivers live entries itself (when it can), until
      // something sends it back here (its queue then holds that entry) or its view ends.
      if (!next) {
        watcher.goLive();
        return WAIT;
      }
      if (next.seq <= watcher.lastSent) {
        live.drop();
        continue;
      }
      // The bus may reorder: the log, committed before publishing, fills the gap. If the
      // log lacks it even so (a room deleted with its log), the event goes as it is.
      if (next.seq > watcher.lastSent + 1 && this.gapTriedFor !== next.seq) {
        this.gapTriedFor = next.seq;
        this.catchingUp = true;
        continue;
      }
      live.drop();
      watcher.lastSent = next.seq;
      if (source.endsWith(next)) this.finished = true;
      if (!source.isPersonal(next)) return { done: false, value: next };
      return { done: false, value: await source.personalize(next) };
    }
    return this.end();
  }

  /** Starts listening, then checks access and position, so no entry falls between the two. */
  private async start(): Promise<void> {
    const live = new LiveEventQueue<E>(LIVE_QUEUE_CAPACITY, this.signal);
    const watcher = new CaughtUpWatcher<E>(live, this.deliver, this.source);
    this.live = live;
    this.watcher = watcher;
    const stopListening = await this.source.listen(watcher);
    // Returned while the bus subscribed: nothing is left to listen for.
    if (this.finished) return stopListening();
    this.stopListening = stopListening;
    const newest = await this.source.open(this.afterSeq);
    this.started = true;
    watcher.lastSent = this.afterSeq ?? newest;
    this.opened?.();
  }

  private end(): IteratorReturnResult<void> {
    this.finished = true;
    this.stopListening?.();
    this.stopListening = null;
    return DONE;
  }
}

/**
 * One watcher's side of the room's listeners. While queueing (catching up, or without a
 * `deliver`), it queues every event for the generator. Once live, it hands the next entry
 * in `seq` order straight to `deliver` and drops what was already sent; anything else (a
 * gap) goes to the queue, which wakes the generator to fill it from the log.
 */
class CaughtUpWatcher<E extends Sequenced> implements LogListener<E> {
  lastSent = 0;
  /** Set when a live entry ended the watcher's view; the generator then returns. */
  ended = false;
  private live = false;

  constructor(
    private readonly queue: LiveEventQueue<E>,
    private readonly deliver: ((event: E) => void) | undefined,
    /** Entries this watcher must see its own way (`isPersonal`) go through the queue, which reads them so. */
    private readonly source: LogSource<E>,
  ) {}

  /** Switches to delivering live entries itself; false when it has no way to deliver. */
  goLive(): boolean {
    if (!this.deliver) return false;
    this.live = true;
    return true;
  }

  onEvent(event: E): void {
    if (this.live && this.deliver) {
      if (event.seq <= this.lastSent) return;
      if (event.seq === this.lastSent + 1 && !this.source.isPersonal(event)) {
        this.lastSent = event.seq;
        this.deliver(event);
        if (this.source.endsWith(event)) {
          this.live = false;
          this.ended = true;
          this.queue.interrupt();
        }
        return;
      }
      this.live = false;
    }
    this.queue.push(event);
  }
}
