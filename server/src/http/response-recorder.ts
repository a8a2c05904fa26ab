import type { ServerResponse } from "node:http";

/** What a handler answered, kept for its caller to write (or to render otherwise). */
export interface RecordedAnswer {
  status: number;
  headers: Record<string, string>;
  /** The body as the handler ended with it, or undefined for none. */
  body: string | undefined;
}

/**
 * A stand-in response for a handler whose answers are written by its caller: it keeps the
 * status, headers and body the handler sets, while the real response's `close` (a client
 * that went away, which aborts the call) still reaches the handler. The same shape
 * trpc-to-openapi's own fetch adapter hands its node handler.
 */
export class ResponseRecorder {
  statusCode = 200;
  readonly #headers: Record<string, string> = {};
  #answer: RecordedAnswer | undefined;

  constructor(private readonly res: ServerResponse) {}

  /** The answer once the handler has ended it. */
  get answer(): RecordedAnswer | undefined {
    return this.#answer;
  }

  get writableEnded(): boolean {
    return this.res.writableEnded;
  }

  setHeader(name: string, value: string | number): this {
    this.#headers[name] = String(value);
    return this;
  }

  end(body?: string): this {
    this.#answer = { status: this.statusCode, headers: { ...this.#headers }, body };
    return this;
  }

  once(event: "close", listener: () => void): this {
    this.res.once(event, listener);
    return this;
  }

  off(event: "close", listener: () => void): this {
    this.res.off(event, listener);
    return this;
  }
}
