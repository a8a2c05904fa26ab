import { type Message, mergeMessages, type NatterClient, type RoomEvent } from "@natter/client";
import { observable } from "../state/observable.js";
import { isConversationEvent, messagesAfter } from "./conversation-events.js";
import type { Timeline } from "./timeline.js";

/** One thread as loaded so far: its first message and its replies, oldest first. */
export interface ThreadView {
  roomId: string;
  root: Message | null;
  replies: Timeline;
  hasOlder: boolean;
  loadingOlder: boolean;
}

const THREAD_PAGE_SIZE = 50;
/** The receipts read when a room opens: pages of 200, at most 1,000 in all ("seen by" then says it saw only part). */
const RECEIPTS_PAGE_SIZE = 200;
const RECEIPTS_MAX = 1_000;

/**
 * The conversation parts of the rooms on screen: open threads, pinned messages and read
 * receipts, kept live from the room events `ChatSession` passes on. Changes to messages of
 * the room's history (reactions, summaries, pins) are `ChatSession`'s, through `changeMessages`.
 */
export class Conversations {
  /** Threads opened, by their first message's id. */
  readonly threads = observable<Readonly<Record<string, ThreadView>>>({});
  /** Pinned messages of the rooms whose pins were shown, by room id, newest pin first. */
  readonly pins = observable<Readonly<Record<string, readonly Message[]>>>({});
  /** How far each member has read (`lastReadSeq` by user id), by room id, as loaded when the room opened. */
  readonly receipts = observable<Readonly<Record<string, Readonly<Record<string, number>>>>>({});
  /** Rooms with more receipts than were read (over `RECEIPTS_MAX` members): others may have seen more. */
  readonly receiptsPartial = observable<Readonly<Record<string, boolean>>>({});

  readonly #client: NatterClient;
  readonly #myId: string;
  readonly #changeMessages: (roomId: string, change: (messages: readonly Message[]) => readonly Message[]) => void;
  readonly #resolveAuthors: (userIds: string[]) => void;

  /**
   * @param changeMessages applies a change to the room's history.
   * @param resolveAuthors learns the names of the authors of messages shown here.
   */
  constructor(
    client: NatterClient,
    myId: string,
    changeMessages: (roomId: string, change: (messages: readonly Message[]) => readonly Message[]) => void,
    resolveAuthors: (userIds: string[]) => void,
  ) {
    this.#client = client;
    this.#myId = myId;
    this.#changeMessages = changeMessages;
    this.#resolveAuthors = resolveAuthors;
  }

  /** Adds my reaction, or takes it back; every view of the message shows the answer. */
  async toggleReaction(message: Message, emoji: string): Promise<void> {
    const mine = message.reactions.some((reaction) => reaction.emoji === emoji && reaction.me);
    const reactions = mine
      ? await this.#client.unreact(message.roomId, message.id, emoji)
      : await this.#client.react(message.roomId, message.id, emoji);
    this.#replace(message.roomId, message.id, (current) => ({ ...current, reactions }));
  }

  /** Pins or unpins a message (room admins and the owner). */
  async setPinned(message: Message, pinned: boolean): Promise<void> {
    const answer = pinned
      ? await this.#client.pin(message.roomId, message.id)
      : await this.#client.unpin(message.roomId, message.id);
    this.#replace(message.roomId, message.id, (current) => ({
      ...current,
      pinnedAt: answer.pinnedAt,
      pinnedBy: answer.pinnedBy,
    }));
    if (message.roomId in this.pins.get()) await this.loadPins(message.roomId);
  }

  /** Loads a room's pinned messages (at most 50: natter's limit per room). */
  async loadPins(roomId: string): Promise<void> {
    const { messages } = await this.#client.trpc.rooms.pins.query({ roomId });
    this.#resolveAuthors(messages.flatMap((message) => [message.authorId, message.pinnedBy ?? message.authorId]));
    this.pins.update((pins) => ({ ...pins, [roomId]: messages }));
  }

  /**
   * Loads where the room's members have read up to, page after page up to `RECEIPTS_MAX`
   * members; live receipts come through the room's signals.
   */
  async loadReceipts(roomId: string): Promise<void> {
    const loaded: Record<string, number> = {};
    let count = 0;
    let cursor: string | undefined;
    do {
      const page = await this.#client.receipts(roomId, {
        limit: RECEIPTS_PAGE_SIZE,
        ...(cursor !== undefined && { cursor }),
      });
      for (const receipt of page.receipts) loaded[receipt.userId] = receipt.lastReadSeq;
      count += page.receipts.length;
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined && count < RECEIPTS_MAX);
    this.receipts.update((all) => ({ ...all, [roomId]: loaded }));
    this.receiptsPartial.update((all) => ({ ...all, [roomId]: cursor !== undefined }));
  }

  /** Opens a thread: its first message and newest page of replies, once. */
  async openThread(roomId: string, rootId: string): Promise<void> {
    if (this.threads.get()[rootId]) return;
    const [{ message: root }, page] = await Promise.all([
      this.#client.trpc.messages.get.query({ roomId, messageId: rootId }),
      this.#client.thread(roomId, rootId, { limit: THREAD_PAGE_SIZE }),
    ]);
    this.#resolveAuthors([root.authorId, ...page.messages.map((message) => message.authorId)]);
    this.#setThread(rootId, (thread) => ({
      roomId,
      root,
      replies: mergeMessages(thread?.replies ?? [], page.messages),
      hasOlder: page.hasMore,
      loadingOlder: false,
    }));
  }

  /** Loads the page of replies before the oldest shown. */
  async loadOlderReplies(rootId: string): Promise<void> {
    const thread = this.threads.get()[rootId];
    const oldest = thread?.replies[0];
    if (!thread || !oldest || !thread.hasOlder || thread.loadingOlder) return;
    this.#setThread(rootId, (current) => current && { ...current, loadingOlder: true });
    try {
      const page = await this.#client.thread(thread.roomId, rootId, { before: oldest.seq, limit: THREAD_PAGE_SIZE });
      this.#resolveAuthors(page.messages.map((message) => message.authorId));
      this.#setThread(
        rootId,
        (current) =>
          current && {
            ...current,
            replies: mergeMessages(current.replies, page.messages),
            hasOlder: page.hasMore,
            loadingOlder: false,
          },
      );
    } catch (error) {
      this.#setThread(rootId, (current) => current && { ...current, loadingOlder: false });
      throw error;
    }
  }

  /** Replies in a thread; the reply shows in the thread at once. */
  async reply(roomId: string, rootId: string, body: string): Promise<void> {
    const message = await this.#client.sendMessage(roomId, body, { threadId: rootId, maxAttempts: 3 });
    this.#addReplies(rootId, [message]);
  }

  /** Applies one of a room's live events to the threads, pins and receipts it concerns. */
  onEvent(event: RoomEvent): void {
    switch (event.type) {
      case "message.created":
        if (event.message.threadId !== null) this.#addReplies(event.message.threadId, [event.message]);
        return;
      // The room's history takes edits and deletions in ChatSession: here, the threads and pins.
      case "message.edited":
        this.#eachView(
          event.roomId,
          (messages) =>
            messages.some((message) => message.id === event.message.id)
              ? mergeMessages(messages, [event.message])
              : messages,
          false,
        );
        return;
      case "message.deleted":
        this.pins.update((pins) => {
          const pinned = pins[event.roomId];
          return pinned ? { ...pins, [event.roomId]: pinned.filter((m) => m.id !== event.messageId) } : pins;
        });
        this.#eachView(
          event.roomId,
          (messages) =>
            messages.map((message) =>
              message.id === event.messageId && message.deletedAt === null
                ? { ...message, body: null, deletedAt: event.at, attachments: [], reactions: [] }
                : message,
            ),
          false,
        );
        return;
      case "message.unpinned":
        this.pins.update((pins) => {
          const pinned = pins[event.roomId];
          return pinned ? { ...pins, [event.roomId]: pinned.filter((m) => m.id !== event.messageId) } : pins;
        });
        break;
      case "message.pinned":
        // The pinned list needs the whole message: ask for it again (it holds at most 50).
        if (event.roomId in this.pins.get()) this.loadPins(event.roomId).catch(() => {});
        break;
      case "room.deleted":
        this.#forgetRoom(event.roomId);
        return;
    }
    if (isConversationEvent(event))
      this.#eachView(event.roomId, (messages) => messagesAfter(messages, event, this.#myId));
  }

  /** Where members have read up to, as loaded and then moved live (the later of the two). */
  receiptsOf(roomId: string, live: Readonly<Record<string, number>>): Readonly<Record<string, number>> {
    const loaded = this.receipts.get()[roomId] ?? {};
    const merged: Record<string, number> = { ...loaded };
    for (const [userId, seq] of Object.entries(live)) merged[userId] = Math.max(seq, merged[userId] ?? 0);
    return merged;
  }

  /** Changes every copy of a room's messages: its history (unless told not to), its open threads and its pinned list. */
  #eachView(roomId: string, change: (messages: readonly Message[]) => readonly Message[], history = true): void {
    if (history) this.#changeMessages(roomId, change);
    const threads = this.threads.get();
    let changed = false;
    const next: Record<string, ThreadView> = {};
    for (const [rootId, thread] of Object.entries(threads)) {
      if (thread.roomId !== roomId) {
        next[rootId] = thread;
        continue;
      }
      const [root] = thread.root ? change([thread.root]) : [null];
      const replies = change(thread.replies);
      changed ||= root !== thread.root || replies !== thread.replies;
      next[rootId] = { ...thread, root: root ?? null, replies };
    }
    if (changed) this.threads.set(next);
    const pinned = this.pins.get()[roomId];
    if (pinned) {
      const after = change(pinned);
      if (after !== pinned) this.pins.update((pins) => ({ ...pins, [roomId]: after }));
    }
  }

  #replace(roomId: string, messageId: string, change: (message: Message) => Message): void {
    this.#eachView(roomId, (messages) =>
      messages.some((message) => message.id === messageId)
        ? messages.map((message) => (message.id === messageId ? change(message) : message))
        : messages,
    );
  }

  #addReplies(rootId: string, replies: Message[]): void {
    this.#resolveAuthors(replies.map((message) => message.authorId));
    this.#setThread(rootId, (thread) => thread && { ...thread, replies: mergeMessages(thread.replies, replies) });
  }

  #setThread(rootId: string, change: (thread: ThreadView | undefined) => ThreadView | undefined): void {
    const threads = this.threads.get();
    const next = change(threads[rootId]);
    if (next !== threads[rootId] && next !== undefined) this.threads.set({ ...threads, [rootId]: next });
  }

  #forgetRoom(roomId: string): void {
    this.threads.update((threads) =>
      Object.fromEntries(Object.entries(threads).filter(([, thread]) => thread.roomId !== roomId)),
    );
    const { [roomId]: _pins, ...pins } = this.pins.get();
    this.pins.set(pins);
  }
}
