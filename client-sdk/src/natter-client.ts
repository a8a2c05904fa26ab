import {
  createTRPCClient,
  createWSClient,
  httpBatchLink,
  httpLink,
  splitLink,
  type TRPCClient,
  wsLink,
} from "@trpc/client";
import type {
  AppRouter,
  AuthResult,
  DataExport,
  ErrorBody,
  Message,
  MessagePage,
  MyThreadsPage,
  Reaction,
  ReactorPage,
  ReceiptsPage,
  SearchMessagesOptions,
  SearchMessagesResult,
  Upload,
} from "./app-router.js";
import { newClientMessageId } from "./client-message-id.js";
import { ExportRefusedError, UploadRefusedError } from "./errors.js";
import { backoffDelay, type RetryOptions, withRetry } from "./retry.js";
import { type InboxWatch, type WatchInboxHandlers, type WatchInboxOptions, watchInbox } from "./watch-inbox.js";
import { type RoomWatch, type WatchRoomHandlers, type WatchRoomOptions, watchRoom } from "./watch-room.js";
import { createSocketFactory, type SocketLike, type WebSocketConstructor, type WebSocketLoader } from "./websocket.js";

/** The close code natter's WebSocket server sends when the socket's session ends. */
const SESSION_ENDED_CLOSE_CODE = 4401;
/** The close code this client uses to reconnect after its token changed. */
const TOKEN_CHANGED_CLOSE_CODE = 4000;

export interface NatterClientOptions {
  /** The server's base URL, such as `https://chat.example.com`; tRPC is served below `/trpc`. */
  url: string;
  /** A token kept from an earlier session, or none to start signed out. */
  token?: string | null;
  /**
   * The WebSocket class for live events. Defaults to the runtime's own; under Node 20, which
   * has none, to the `ws` package (install it next to this one).
   */
  WebSocket?: WebSocketConstructor;
  /** Called with every new token (sign-up, log-in) and with null when it is gone (log-out, session ended). */
  onTokenChange?: (token: string | null) => void;
}

/** Options of `sendMessage`. */
export interface SendMessageOptions extends RetryOptions {
  /** A message of the same room this one answers. */
  replyToId?: string;
  /** Your own id for this message; a random UUID by default. Sending again with it never creates a second message. */
  clientMessageId?: string;
  /** Uploads (`client.upload`) to attach, at most 10: your own, not attached to anything yet. */
  attachmentIds?: string[];
  /** A top-level message of the same room: the message replies in its thread. */
  threadId?: string;
  /** With `threadId`: show the reply in the room's history too. */
  alsoInRoom?: boolean;
}

/** Where a keyset page starts: `before` (newest first) or `after` (oldest first) a `seq`, or the newest. */
export interface PageOptions {
  before?: number;
  after?: number;
  /** 1 to 200; 50 by default. */
  limit?: number;
}

/** A connection to one natter server, signed in or not. */
export interface NatterClient {
  /** Every procedure, fully typed: `client.trpc.rooms.create.mutate({ name: "general" })`. */
  readonly trpc: TRPCClient<AppRouter>;
  /** The bearer token in use, or null when signed out. */
  readonly token: string | null;
  /** Replaces the token; live subscriptions reconnect with it and resume where they were. */
  setToken(token: string | null): void;
  /**
   * Calls `listener` with every new token, and with null when the session ends (log-out, or
   * ended elsewhere); answers the function that stops it. For UI state that follows the session.
   */
  onTokenChange(listener: (token: string | null) => void): () => void;
  /** Creates an account and signs in as it. */
  signUp(username: string, password: string): Promise<AuthResult>;
  /** Signs in. A wrong name or password fails with `INVALID_CREDENTIALS`. */
  logIn(username: string, password: string): Promise<AuthResult>;
  /**
   * Ends the session on the server and forgets the token. If the server cannot be reached,
   * it throws and keeps the token, so that the app can try again.
   */
  logOut(): Promise<void>;
  /**
   * Sends a message. Network failures are retried with the same `clientMessageId`, so the
   * message is created exactly once, and so is a refusal for rate (429) or for an outage of
   * the server's database, Redis or disk (503) once the `Retry-After` it names has passed (if
   * at most a minute); natter's other refusals (4xx) are thrown at once.
   */
  sendMessage(roomId: string, body: string, options?: SendMessageOptions): Promise<Message>;
  /**
   * Uploads an image (PNG, JPEG, GIF or WebP; the server decides from the bytes) and answers
   * it; attach it with `sendMessage(..., { attachmentIds: [upload.id] })` or make it your
   * avatar. The content type defaults to the Blob's own. A refusal throws an
   * `UploadRefusedError` that `isNatterError` recognises.
   */
  upload(file: Blob | ArrayBuffer | Uint8Array, contentType?: string): Promise<Upload>;
  /**
   * A copy of everything natter holds about you (`GET /me/export`), parsed. One export an
   * hour: a second refuses with `RATE_LIMITED` (an `ExportRefusedError`, with `retryAfterSeconds`).
   * For a large history prefer `exportMyDataStream`, which never holds it whole.
   */
  exportMyData(): Promise<DataExport>;
  /** The same export as the response's byte stream (JSON), to save as a file as it arrives. */
  exportMyDataStream(): Promise<ReadableStream<Uint8Array>>;
  /**
   * Deletes your account for good once `password` is given again (a wrong one refuses with
   * `INVALID_CREDENTIALS`); every session ends at once and the token is forgotten.
   */
  deleteAccount(password: string): Promise<void>;
  /**
   * Adds your reaction (one emoji or a `:shortcode:`) to a message; reacting again changes
   * nothing. Answers the message's reactions, `me` for you. A deleted message refuses with
   * `CONFLICT`, a 21st different emoji with `TOO_MANY_REACTIONS`.
   */
  react(roomId: string, messageId: string, emoji: string): Promise<Reaction[]>;
  /** Takes your reaction back (nothing happens without one); answers the message's reactions. */
  unreact(roomId: string, messageId: string, emoji: string): Promise<Reaction[]>;
  /**
   * Who reacted to a message with one emoji, earliest first, as user ids: a page of `limit`
   * (default 50), and `nextCursor` to pass back as `cursor` for the next while more remain.
   * Readable as the room's history is (open rooms by anyone, closed rooms by members).
   */
  reactors(
    roomId: string,
    messageId: string,
    emoji: string,
    page?: { cursor?: string; limit?: number },
  ): Promise<ReactorPage>;
  /** A page of the replies in the thread under a message, with history's cursors. */
  thread(roomId: string, messageId: string, page?: PageOptions): Promise<MessagePage>;
  /**
   * The threads you started or replied in (`GET /me/threads`), newest activity first, each
   * with the replies by others you have not read; pass `nextCursor` back as `cursor`.
   */
  myThreads(page?: { cursor?: string; limit?: number }): Promise<MyThreadsPage>;
  /** Pins a message (room admins and owner); answers it with `pinnedAt` and `pinnedBy`. */
  pin(roomId: string, messageId: string): Promise<Message>;
  /** Unpins a message (room admins and owner). */
  unpin(roomId: string, messageId: string): Promise<Message>;
  /** How far the room's members have read (members only), a page in user id order. */
  receipts(roomId: string, page?: { limit?: number; cursor?: string }): Promise<ReceiptsPage>;
  /**
   * Searches the messages you may read (signed out: open rooms only). The query language:
   * words (all must match), `"exact phrase"`, `prefix*`, `-excluded`, `from:username`,
   * `in:room-name`. Each result carries `highlights`, `[start, end)` ranges of the body to
   * mark; pass `nextCursor` back as `cursor` for the next page. `options` narrow it to a room,
   * an author, a thread (`threadId`: that message and its replies), a time span or attachments.
   */
  searchMessages(q: string, options?: SearchMessagesOptions): Promise<SearchMessagesResult>;
  /** Watches a room's events live, resuming without gaps or duplicates after any reconnect. */
  watchRoom(roomId: string, handlers: WatchRoomHandlers, options?: WatchRoomOptions): RoomWatch;
  /**
   * Watches the signed-in user's inbox (`users.events`): what concerns them across all their
   * rooms, each entry once and in order, with the same reconnect and resume as `watchRoom`.
   */
  watchInbox(handlers: WatchInboxHandlers, options?: WatchInboxOptions): InboxWatch;
  /** Stops every watch and closes the WebSocket; lets a Node process exit. */
  close(): Promise<void>;
}

/**
 * Builds a client whose WebSocket class, when the app passes none, comes from `loadWebSocket`:
 * the entry points differ only in that.
 */
export function createClient(options: NatterClientOptions, loadWebSocket: WebSocketLoader): NatterClient {
  const baseUrl = options.url.replace(/\/+$/, "");
  let token = options.token ?? null;
  const socketTokens = new WeakMap<SocketLike, string | null>();
  let currentSocket: SocketLike | undefined;

  const sockets = createSocketFactory(
    async () => {
      const WebSocket = options.WebSocket ?? (await loadWebSocket());
      if (!WebSocket)
        throw new Error("natter: this runtime has no WebSocket; pass one as `WebSocket` or install the `ws` package");
      return WebSocket;
    },
    (socket) => {
      currentSocket = socket;
      socketTokens.set(socket, token);
      socket.addEventListener("close", ({ code }) => {
        // The session this socket signed in with ended elsewhere (logout, password change, expiry).
        if (code === SESSION_ENDED_CLOSE_CODE && token !== null && socketTokens.get(socket) === token) setToken(null);
      });
    },
  );

  const wsClient = createWSClient({
    url: async () => {
      await sockets.prepare();
      return `${baseUrl.replace(/^http/, "ws")}/trpc`;
    },
    WebSocket: sockets.WebSocket as NonNullable<Parameters<typeof createWSClient>[0]["WebSocket"]>,
    connectionParams: () => (token ? { token } : null),
    // Opened by the first subscription, closed a while after the last: HTTP-only use keeps no socket.
    lazy: { enabled: true, closeMs: 2_000 },
    keepAlive: { enabled: true, intervalMs: 10_000, pongTimeoutMs: 5_000 },
    retryDelayMs: (attempt) => (attempt === 0 ? 0 : backoffDelay(attempt)),
  });

  const headers = () => (token ? { authorization: `Bearer ${token}` } : {});
  const httpUrl = `${baseUrl}/trpc`;
  const trpc = createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === "subscription",
        true: wsLink({ client: wsClient }),
        false: splitLink({
          // Sends travel alone: their retries stay independent and a batch of long bodies cannot outgrow the body limit.
          condition: (op) => op.context.skipBatch === true,
          true: httpLink({ url: httpUrl, headers }),
          false: httpBatchLink({ url: httpUrl, headers, maxItems: 10 }),
        }),
      }),
    ],
  });

  const tokenListeners = new Set<(token: string | null) => void>();
  function setToken(next: string | null): void {
    if (next === token) return;
    token = next;
    options.onTokenChange?.(next);
    for (const listener of [...tokenListeners]) listener(next);
    // connectionParams are read once per connection: a new socket signs in with the new token.
    currentSocket?.close(TOKEN_CHANGED_CLOSE_CODE, "token changed");
  }

  const watches = new Set<RoomWatch | InboxWatch>();

  /** The export's byte stream, or its refusal. */
  const exportStream = async (): Promise<ReadableStream<Uint8Array>> => {
    const res = await fetch(`${baseUrl}/api/v1/me/export`, {
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });
    if (res.ok && res.body) return res.body;
    const answer = (await res.json().catch(() => undefined)) as { error?: ErrorBody } | undefined;
    throw new ExportRefusedError(
      res.status,
      answer?.error ?? { code: "INTERNAL", message: `The export failed with HTTP ${res.status}` },
    );
  };

  return {
    trpc,
    get token() {
      return token;
    },
    setToken,
    onTokenChange(listener) {
      tokenListeners.add(listener);
      return () => {
        tokenListeners.delete(listener);
      };
    },
    async signUp(username, password) {
      const result = await trpc.auth.signUp.mutate({ username, password });
      setToken(result.token);
      return result;
    },
    async logIn(username, password) {
      const result = await trpc.auth.logIn.mutate({ username, password });
      setToken(result.token);
      return result;
    },
    async logOut() {
      if (token === null) return;
      await trpc.auth.logOut.mutate();
      setToken(null);
    },
    async sendMessage(
      roomId,
      body,
      { replyToId, attachmentIds, threadId, alsoInRoom, clientMessageId = newClientMessageId(), ...retry } = {},
    ) {
      const input = {
        roomId,
        body,
        clientMessageId,
        ...(replyToId !== undefined && { replyToId }),
        ...(threadId !== undefined && { threadId }),
        ...(alsoInRoom !== undefined && { alsoInRoom }),
        ...(attachmentIds !== undefined && { attachmentIds }),
      };
      const { message } = await withRetry(
        (signal) => trpc.messages.send.mutate(input, { signal, context: { skipBatch: true } }),
        retry,
        // The same clientMessageId makes a resend after the wait natter names harmless.
        { refusedForNow: true },
      );
      return message;
    },
    async upload(file, contentType) {
      const type = contentType ?? (file instanceof Blob && file.type !== "" ? file.type : "application/octet-stream");
      const res = await fetch(`${baseUrl}/api/v1/uploads`, {
        method: "POST",
        headers: { "content-type": type, ...(token && { authorization: `Bearer ${token}` }) },
        body: file instanceof Blob ? file : new Blob([file as Uint8Array<ArrayBuffer>]),
      });
      const answer = (await res.json().catch(() => undefined)) as { upload?: Upload; error?: ErrorBody } | undefined;
      if (res.ok && answer?.upload) return answer.upload;
      throw new UploadRefusedError(
        res.status,
        answer?.error ?? { code: "INTERNAL", message: `The upload failed with HTTP ${res.status}` },
      );
    },
    async exportMyData() {
      return (await new Response(await exportStream()).json()) as DataExport;
    },
    exportMyDataStream: exportStream,
    async deleteAccount(password) {
      await trpc.users.deleteAccount.mutate({ password });
      setToken(null);
    },
    async react(roomId, messageId, emoji) {
      return (await trpc.messages.react.mutate({ roomId, messageId, emoji })).reactions;
    },
    async unreact(roomId, messageId, emoji) {
      return (await trpc.messages.unreact.mutate({ roomId, messageId, emoji })).reactions;
    },
    reactors(roomId, messageId, emoji, page = {}) {
      return trpc.messages.reactors.query({ roomId, messageId, emoji, ...page });
    },
    thread(roomId, messageId, page = {}) {
      return trpc.messages.thread.query({ roomId, messageId, ...page });
    },
    myThreads(page = {}) {
      return trpc.messages.myThreads.query(page);
    },
    async pin(roomId, messageId) {
      return (await trpc.rooms.pin.mutate({ roomId, messageId })).message;
    },
    async unpin(roomId, messageId) {
      return (await trpc.rooms.unpin.mutate({ roomId, messageId })).message;
    },
    receipts(roomId, page = {}) {
      return trpc.rooms.receipts.query({ roomId, ...page });
    },
    searchMessages(q, searchOptions = {}) {
      return trpc.search.messages.query({ ...searchOptions, q });
    },
    watchRoom(roomId, handlers, watchOptions) {
      const watch = watchRoom(trpc, roomId, handlers, watchOptions, sockets.prepare);
      watches.add(watch);
      void watch.ended.then(() => watches.delete(watch));
      return watch;
    },
    watchInbox(handlers, watchOptions) {
      const watch = watchInbox(trpc, handlers, watchOptions, sockets.prepare);
      watches.add(watch);
      void watch.ended.then(() => watches.delete(watch));
      return watch;
    },
    async close() {
      for (const watch of watches) watch.stop();
      await wsClient.close();
    },
  };
}
