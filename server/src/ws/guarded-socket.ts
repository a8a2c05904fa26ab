import { WS_CLOSE_CODES } from "@natter/shared";
import { WebSocket } from "ws";
import { isSlowReader, type SlowReaderStats } from "../live/slow-reader.js";
import type { TextFrame } from "./text-frame.js";
import { TokenBucket } from "./token-bucket.js";

/** What the server learns about its sockets' guards, for logs and tests. */
export interface WebSocketStats extends SlowReaderStats {
  /** Sockets closed because they sent too many messages. */
  rateLimited: number;
  /** Room events written to watchers, one per watcher and event. */
  deliveries: number;
}

export interface SocketGuardOptions {
  /** Unsent bytes a socket may hold; past this it is closed with `slowReader`. */
  maxBufferedBytes: number;
  /** Incoming messages allowed per second on average, and in one burst. */
  messagesPerSecond: number;
  messageBurst: number;
  /** Updated as sockets send and get closed. */
  stats: WebSocketStats;
  /** Called once when a guard closes a socket. */
  onClosed(reason: "slowReader" | "rateLimited"): void;
}

/**
 * A `ws` WebSocket class (for `WebSocketServer`'s `WebSocket` option) that protects the
 * server from its peer:
 * - a peer that reads too slowly is closed as soon as its unsent data passes the cap, so
 *   a reader that never reads costs at most the cap plus one message of memory;
 * - a peer that sends more calls than its token bucket allows is closed with a policy
 *   violation, and from then on none of its messages reach tRPC. Each call of a batched
 *   message (a JSON array) counts, so batching buys no extra work.
 * Both checks hook the socket itself because tRPC's adapter sends and listens on it directly.
 */
export function guardedWebSocketClass(options: SocketGuardOptions): typeof WebSocket {
  const { maxBufferedBytes, stats } = options;
  return class GuardedWebSocket extends WebSocket implements TextFrameSocket {
    private readonly incoming = new TokenBucket(options.messageBurst, options.messagesPerSecond);
    private uncompressed: boolean | undefined;

    override send(data: unknown, sendOptions?: unknown, callback?: unknown): void {
      (super.send as (data: unknown, sendOptions?: unknown, callback?: unknown) => void)(data, sendOptions, callback);
      this.dropIfSlow();
    }

    /**
     * Sends a text message framed beforehand: the same frame goes to every watcher of an
     * event in one write each, where `send` would frame it again per socket and write header
     * and payload apart. Written straight to the TCP socket only while ws itself would write
     * at once (no compression negotiated, nothing queued behind a compression or a Blob read:
     * natter's server negotiates none and sends no Blobs); otherwise through `send`. True when
     * the frame's bytes were taken whole: nothing of them is left queued in Node's stream
     * (`writableLength` 0 after the write), so the frame may be reused.
     */
    sendTextFrame(framed: TextFrame): boolean {
      const internals = this as unknown as WsInternals;
      // Extensions are agreed in the handshake, before any message: asked once.
      this.uncompressed ??= this.extensions === "";
      if (this.readyState === WebSocket.OPEN && this.uncompressed && internals._sender?._state === 0) {
        internals._socket.write(framed.frame);
        const taken = internals._socket.writableLength === 0;
        this.dropIfSlow();
        return taken;
      }
      this.send(framed.payload, TEXT_FRAME);
      return false;
    }

    private dropIfSlow(): void {
      if (this.readyState === WebSocket.OPEN && isSlowReader(this.bufferedAmount, maxBufferedBytes, stats)) {
        // The close frame queues behind the unsent data: a reader that catches up learns
        // why; one that never does is cut off by ws's close timeout.
        this.close(WS_CLOSE_CODES.slowReader, "reading too slowly: reconnect and resume");
        options.onClosed("slowReader");
      }
    }

    override emit(event: string | symbol, ...args: unknown[]): boolean {
      if (event === "message") {
        // A closing socket's remaining messages would only make work nobody can answer.
        if (this.readyState !== WebSocket.OPEN) return false;
        if (!this.incoming.take(callsIn(args[0]))) {
          stats.rateLimited += 1;
          this.close(WS_CLOSE_CODES.rateLimited, "message rate limit exceeded");
          options.onClosed("rateLimited");
          return false;
        }
      }
      return super.emit(event, ...args);
    }
  };
}

/** A socket that can send a text frame built beforehand (a guarded socket). */
interface TextFrameSocket {
  sendTextFrame(frame: TextFrame): boolean;
}

/**
 * Sends a text frame built beforehand: in one write on a guarded socket, else through `ws.send`.
 * True when the frame's bytes were taken whole (the frame may then be reused); false when they
 * may still be queued, so the frame must not change.
 */
export function sendTextFrame(socket: WebSocket, frame: TextFrame): boolean {
  const guarded = socket as WebSocket & Partial<TextFrameSocket>;
  if (guarded.sendTextFrame) return guarded.sendTextFrame(frame);
  socket.send(frame.payload, TEXT_FRAME);
  return false;
}

/** What `sendTextFrame` reads of ws's socket internals (ws 8: `Sender`'s state 0 is "write at once"). */
interface WsInternals {
  _socket: { write(data: Buffer): boolean; readonly writableLength: number };
  _sender: { _state: number } | null;
}

const TEXT_FRAME = { binary: false } as const;

/** How many tRPC calls a WebSocket message carries: the length of a batch (a JSON array), else one. */
function callsIn(data: unknown): number {
  const text = Buffer.isBuffer(data)
    ? data.toString("utf8")
    : Array.isArray(data)
      ? Buffer.concat(data).toString("utf8")
      : "";
  if (!text.trimStart().startsWith("[")) return 1;
  try {
    const parsed: unknown = JSON.parse(text);
    return Array.isArray(parsed) ? Math.max(1, parsed.length) : 1;
  } catch {
    return 1;
  }
}
