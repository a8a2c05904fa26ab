import { isPushStream, type PushStream, type StreamSink } from "../events/push-stream.js";

/**
 * `stream` with each value mapped; pushable when `stream` is (see `PushStream`). An iterator object rather than an async generator: a
 * waiting generator keeps its frame and a request queue alive, a few hundred bytes per idle
 * subscription at each level.
 */
export function mapStream<T, U>(stream: AsyncIterable<T>, map: (value: T) => U): AsyncIterable<U> {
  return mapped(stream, map, undefined);
}

/**
 * `stream`, calling `onEnd` once when it ends: done, failed or returned. A mapped stream is
 * wrapped as one level, not two, since each level costs a waiting subscription a promise.
 */
export function onStreamEnd<T>(stream: AsyncIterable<T>, onEnd: () => void): AsyncIterable<T> {
  if (stream instanceof MappedStream && !stream.onEnd) return mapped(stream.source, stream.map, onEnd);
  return mapped(stream, identity, onEnd);
}

function mapped<T, U>(stream: AsyncIterable<T>, map: (value: T) => U, onEnd: (() => void) | undefined) {
  return isPushStream(stream) ? new MappedPushStream(stream, map, onEnd) : new MappedStream(stream, map, onEnd);
}

class MappedStream<T, U> implements AsyncIterable<U> {
  constructor(
    readonly source: AsyncIterable<T>,
    readonly map: (value: T) => U,
    readonly onEnd: (() => void) | undefined,
  ) {}

  [Symbol.asyncIterator](): AsyncIterator<U, void> {
    return new MappedIterator(this.source[Symbol.asyncIterator](), this.map, this.onEnd);
  }
}

class MappedPushStream<T, U> extends MappedStream<T, U> implements PushStream<U> {
  constructor(
    override readonly source: PushStream<T>,
    map: (value: T) => U,
    onEnd: (() => void) | undefined,
  ) {
    super(source, map, onEnd);
  }

  pushTo(sink: StreamSink<U>): void {
    this.source.pushTo(new MappedSink(sink, this.map, this.onEnd));
  }
}

/** A sink taking the source's values, mapped, to the consumer's: one object, no closures. */
class MappedSink<T, U> implements StreamSink<T> {
  constructor(
    private readonly sink: StreamSink<U>,
    private readonly map: (value: T) => U,
    private onEnd: (() => void) | undefined,
  ) {}

  value(value: T): Promise<void> | undefined {
    return this.sink.value(this.map(value));
  }

  end(): void {
    this.ended();
    this.sink.end();
  }

  fail(cause: unknown): void {
    this.ended();
    this.sink.fail(cause);
  }

  private ended(): void {
    const onEnd = this.onEnd;
    this.onEnd = undefined;
    onEnd?.();
  }
}

class MappedIterator<T, U> implements AsyncIterator<U, void> {
  private ended = false;

  constructor(
    private readonly source: AsyncIterator<T>,
    private readonly map: (value: T) => U,
    private readonly onEnd: (() => void) | undefined,
  ) {}

  next(): Promise<IteratorResult<U, void>> {
    return this.source.next().then(
      (result) => {
        if (!result.done) return { done: false, value: this.map(result.value) };
        this.end();
        return { done: true, value: undefined };
      },
      (cause: unknown) => {
        this.end();
        throw cause;
      },
    );
  }

  async return(): Promise<IteratorResult<U, void>> {
    try {
      await this.source.return?.();
      return { done: true, value: undefined };
    } finally {
      this.end();
    }
  }

  async throw(cause: unknown): Promise<IteratorResult<U, void>> {
    try {
      if (!this.source.throw) throw cause;
      const result = await this.source.throw(cause);
      if (!result.done) return { done: false, value: this.map(result.value) };
      this.end();
      return { done: true, value: undefined };
    } catch (error) {
      this.end();
      throw error;
    }
  }

  private end(): void {
    if (this.ended) return;
    this.ended = true;
    this.onEnd?.();
  }
}

function identity<T>(value: T): T {
  return value;
}
