import {
  applyRoomEvent,
  isNatterError,
  type Message,
  mergeMessages,
  type NatterClient,
  type Room,
  type RoomEvent,
  type RoomWatch,
  type RouterOutputs,
  UnreadTally,
} from "@natter/client";
import { AttachmentImages } from "../images/attachment-images.js";
import { type Observable, observable } from "../state/observable.js";
import { ConnectionMonitor } from "./connection-monitor.js";
import { Conversations } from "./conversations.js";
import { DirectRooms } from "./direct-rooms.js";
import { RoomMembers } from "./room-members.js";
import { RoomModeration } from "./room-moderation.js";
import { SendQueue } from "./send-queue.js";
import type { Timeline } from "./timeline.js";
import { Usernames } from "./usernames.js";

/** The signed-in user, with whether they are a server admin. */
export type Me = RouterOutputs["users"]["me"]["user"];

/** One room's history as loaded so far. */
export interface RoomHistory {
  messages: Timeline;
  /** Whether older messages remain to be loaded. */
  hasOlder: boolean;
  loadingOlder: boolean;
}

const PAGE_SIZE = 50;
/** Joined rooms watched live at once: each is one subscription on the shared WebSocket. */
const WATCHED_ROOMS_MAX = 100;
/** How often the list of joined rooms is refreshed: being added to a room by someone else sends no event to the added user. */
const ROOM_LIST_REFRESH_MS = 5_000;

/**
 * A signed-in user's chat: joined rooms with unread counts, each watched live, the
 * history of the rooms opened, members, and the outbox. Components read its observables.
 */
export class ChatSession {
  readonly me: Me;
  readonly client: NatterClient;
  readonly rooms = observable<readonly Room[]>([]);
  readonly unread = observable<Readonly<Record<string, number>>>({});
  readonly histories = observable<Readonly<Record<string, RoomHistory>>>({});
  readonly members: RoomMembers;
  /** My direct rooms' other people, and whom I blocked. */
  readonly direct: DirectRooms;
  /** What owners and admins do to rooms and their members. */
  readonly moderation: RoomModeration;
  /**
   * The rooms where I was muted while watching, by room id: when it ends, or null until lifted.
   * Learnt from the live `member.muted` and `member.unmuted` events (the server decides either way).
   */
  readonly myMutes = observable<Readonly<Record<string, string | null>>>({});
  readonly usernames: Usernames;
  readonly outbox: SendQueue;
  readonly connection: ConnectionMonitor;
  readonly images: AttachmentImages;
  /** Threads, pins and read receipts of the rooms on screen. */
  readonly conversations: Conversations;
  /** Something that happened to the user that they should hear of (removed from a room), until dismissed. */
  readonly notice = observable<string | null>(null);
  /**
   * The last `thread.updated` of any room watched (a thread got a reply, or lost one): what
   * "My threads" reads again on. Null until one arrives.
   */
  readonly threadActivity = observable<Extract<RoomEvent, { type: "thread.updated" }> | null>(null);
  /** The room on screen; its new messages count as read while the page is visible. */
  readonly activeRoomId: Observable<string | null> = observable<string | null>(null);

  #watches = new Map<string, RoomWatch>();
  /** Each joined room's unread count, kept by the SDK's rule; `unread` shows them. */
  #tallies = new Map<string, UnreadTally>();
  #refreshTimer: ReturnType<typeof setInterval> | undefined;
  #markReadTimer: ReturnType<typeof setTimeout> | undefined;
  #disposed = false;
  readonly #onVisible = () => {
    if (document.visibilityState === "visible") this.#markActiveRead();
  };

  constructor(client: NatterClient, me: Me) {
    this.client = client;
    this.me = me;
    this.usernames = new Usernames(client);
    this.members = new RoomMembers(this.usernames);
    this.direct = new DirectRooms(client);
    this.moderation = new RoomModeration(client, {
      replaceRoom: (room) => this.#replaceRoom(room.id, () => room),
      forgetRoom: (roomId) => this.#forgetRoom(roomId),
    });
    this.images = new AttachmentImages(client);
    this.conversations = new Conversations(
      client,
      me.id,
      (roomId, change) =>
        this.#setHistory(roomId, (history) => {
          if (!history) return history;
          const messages = change(history.messages);
          return messages === history.messages ? history : { ...history, messages };
        }),
      (userIds) => this.usernames.resolve(userIds),
    );
    this.usernames.remember([{ userId: me.id, username: me.username }]);
    this.connection = new ConnectionMonitor(() => this.#refreshQuietly());
    this.outbox = new SendQueue({
      storageKey: `natter.outbox.${me.id}`,
      send: (item) =>
        client.sendMessage(item.roomId, item.body, {
          clientMessageId: item.clientMessageId,
          maxAttempts: 3,
          ...(item.attachmentIds && { attachmentIds: [...item.attachmentIds] }),
        }),
      onSent: (item, message) => this.#addMessages(item.roomId, [message]),
      // A mute set before this page loaded is learnt from the first send it refuses.
      onRefused: (item, error) => {
        if (isNatterError(error, "MUTED")) this.#setMyMute(item.roomId, error.data.error.until ?? null);
      },
    });
  }

  /** Loads the rooms and starts watching them; the outbox sends whatever waited from last time. */
  async start(): Promise<void> {
    await Promise.all([this.direct.loadBlocks(), this.refreshRooms()]);
    this.#refreshTimer = setInterval(() => {
      if (document.visibilityState === "visible" && navigator.onLine) this.#refreshQuietly();
    }, ROOM_LIST_REFRESH_MS);
    document.addEventListener("visibilitychange", this.#onVisible);
    this.outbox.flush();
  }

  dispose(): void {
    this.#disposed = true;
    clearInterval(this.#refreshTimer);
    clearTimeout(this.#markReadTimer);
    document.removeEventListener("visibilitychange", this.#onVisible);
    for (const watch of this.#watches.values()) watch.stop();
    this.#watches.clear();
    this.outbox.stop();
    this.connection.stop();
    this.images.dispose();
  }

  /** Fetches the joined rooms and their unread counts; watches new ones, forgets the ones left. */
  async refreshRooms(): Promise<void> {
    const [{ rooms }, unread] = await Promise.all([
      this.client.trpc.rooms.list.query({ scope: "joined", limit: WATCHED_ROOMS_MAX }),
      this.client.trpc.messages.unread.query({ limit: WATCHED_ROOMS_MAX }),
    ]);
    if (this.#disposed) return;
    await this.direct.learnPeers(rooms);
    if (this.#disposed) return;
    const known = new Map(this.rooms.get().map((room) => [room.id, room]));
    this.rooms.set(rooms.map((room) => known.get(room.id) ?? room));
    const active = this.activeRoomId.get();
    const counted = new Set(unread.rooms.map((entry) => entry.roomId));
    for (const roomId of this.#tallies.keys()) if (!counted.has(roomId)) this.#tallies.delete(roomId);
    for (const entry of unread.rooms) {
      const base = { unread: entry.unreadCount, mentions: entry.mentions };
      const known = this.#tallies.get(entry.roomId);
      known?.rebase(base, entry.lastSeq);
      const tally = known ?? new UnreadTally(base, entry.lastSeq);
      this.#tallies.set(entry.roomId, tally);
      // The room on screen is being read: its cursor moves there shortly.
      if (entry.roomId === active) tally.markRead(tally.lastSeq);
    }
    this.#publishUnread();
    const joined = new Set(rooms.map((room) => room.id));
    for (const room of rooms) this.#watch(room.id, room.lastSeq);
    for (const roomId of this.#watches.keys()) if (!joined.has(roomId) && roomId !== active) this.#unwatch(roomId);
  }

  /** A refresh in the background: a failure (offline) waits for the next one. */
  #refreshQuietly(): void {
    this.refreshRooms().catch(() => {});
  }

  /** Shows a room: loads its newest history and members once, and marks it read. */
  async openRoom(roomId: string | null): Promise<void> {
    this.activeRoomId.set(roomId);
    if (roomId === null) return;
    this.#markActiveRead();
    if (this.histories.get()[roomId]) return;
    const [{ room }, page, members] = await Promise.all([
      this.client.trpc.rooms.get.query({ roomId }),
      this.client.trpc.messages.list.query({ roomId, limit: PAGE_SIZE }),
      this.client.trpc.rooms.members.query({ roomId, limit: 200 }),
    ]);
    this.#watch(roomId, room.lastSeq);
    this.#setHistory(roomId, (history) => ({
      messages: mergeMessages(history?.messages ?? [], page.messages),
      hasOlder: page.hasMore,
      loadingOlder: false,
    }));
    this.members.set(roomId, members.members);
    this.usernames.resolve(page.messages.map((message) => message.authorId));
    this.#markActiveRead();
    // "Seen by" waits for them; a guest (not a member) gets none.
    if (members.members.some((member) => member.userId === this.me.id))
      this.conversations.loadReceipts(roomId).catch(() => {});
  }

  /** Loads the page of history before the oldest message shown. */
  async loadOlder(roomId: string): Promise<void> {
    const history = this.histories.get()[roomId];
    const oldest = history?.messages[0];
    if (!history || !oldest || !history.hasOlder || history.loadingOlder) return;
    this.#setHistory(roomId, (current) => ({ ...(current ?? history), loadingOlder: true }));
    try {
      const page = await this.client.trpc.messages.list.query({ roomId, before: oldest.seq, limit: PAGE_SIZE });
      this.usernames.resolve(page.messages.map((message) => message.authorId));
      this.#setHistory(roomId, (current) => ({
        messages: mergeMessages(current?.messages ?? [], page.messages),
        hasOlder: page.hasMore,
        loadingOlder: false,
      }));
    } catch (error) {
      this.#setHistory(roomId, (current) => ({ ...(current ?? history), loadingOlder: false }));
      throw error;
    }
  }

  /** Queues a message with images already uploaded; it goes out now, or when the network is back. */
  send(roomId: string, body: string, attachmentIds: readonly string[] = []): void {
    const history = this.histories.get()[roomId];
    const room = this.rooms.get().find((candidate) => candidate.id === roomId);
    const afterSeq = Math.max(history?.messages.at(-1)?.seq ?? 0, room?.lastSeq ?? 0);
    this.outbox.enqueue(roomId, body, afterSeq, attachmentIds);
  }

  async edit(message: Message, body: string): Promise<void> {
    const result = await this.client.trpc.messages.edit.mutate({ roomId: message.roomId, messageId: message.id, body });
    this.#addMessages(message.roomId, [result.message]);
  }

  async delete(message: Message): Promise<void> {
    const result = await this.client.trpc.messages.delete.mutate({ roomId: message.roomId, messageId: message.id });
    this.#addMessages(message.roomId, [result.message]);
  }

  async createRoom(name: string | undefined, open: boolean, memberIds: string[]): Promise<Room> {
    const { room } = await this.client.trpc.rooms.create.mutate({ ...(name && { name }), open, memberIds });
    this.#addRoom(room);
    return room;
  }

  async join(roomId: string): Promise<Room> {
    const { room } = await this.client.trpc.rooms.join.mutate({ roomId });
    this.#addRoom(room);
    return room;
  }

  /** Opens (or finds) my direct room with a user, and learns who they are for its title. */
  async openDirect(userId: string): Promise<Room> {
    const room = await this.direct.open(userId);
    this.#addRoom(room);
    await this.refreshRooms();
    return room;
  }

  async leave(roomId: string): Promise<void> {
    await this.client.trpc.rooms.leave.mutate({ roomId });
    this.#forgetRoom(roomId);
  }

  #addRoom(room: Room): void {
    if (!this.rooms.get().some((candidate) => candidate.id === room.id)) this.rooms.update((rooms) => [room, ...rooms]);
    // Counted from now on; the next refresh brings the server's count.
    if (!this.#tallies.has(room.id))
      this.#tallies.set(room.id, new UnreadTally({ unread: 0, mentions: 0 }, room.lastSeq));
    this.#watch(room.id, room.lastSeq);
  }

  #replaceRoom(roomId: string, change: (room: Room) => Room): void {
    this.rooms.update((rooms) => rooms.map((room) => (room.id === roomId ? change(room) : room)));
  }

  /** Records my mute in a room: until when (null: until lifted), or undefined once it ended. */
  #setMyMute(roomId: string, until: string | null | undefined): void {
    this.myMutes.update((mutes) => {
      const { [roomId]: _ended, ...others } = mutes;
      return until === undefined ? others : { ...others, [roomId]: until };
    });
  }

  #forgetRoom(roomId: string): void {
    this.rooms.update((rooms) => rooms.filter((room) => room.id !== roomId));
    this.#unwatch(roomId);
    if (this.#tallies.delete(roomId)) this.#publishUnread();
  }

  #watch(roomId: string, afterSeq: number): void {
    if (this.#watches.has(roomId) || this.#disposed) return;
    const watch = this.client.watchRoom(
      roomId,
      {
        onEvent: (event) => this.#onEvent(event),
        onStateChange: (state) => this.connection.report(roomId, state),
        onEnd: () => {
          this.#watches.delete(roomId);
          this.connection.forget(roomId);
        },
      },
      { afterSeq },
    );
    this.#watches.set(roomId, watch);
  }

  #unwatch(roomId: string): void {
    this.#watches.get(roomId)?.stop();
    this.#watches.delete(roomId);
    this.connection.forget(roomId);
  }

  #onEvent(event: RoomEvent): void {
    const { roomId } = event;
    if (event.type !== "room.deleted") this.#replaceRoom(roomId, (room) => ({ ...room, lastSeq: event.seq }));
    this.conversations.onEvent(event);
    this.members.onEvent(event);
    switch (event.type) {
      case "thread.updated":
        this.threadActivity.set(event);
        return;
      case "message.created":
        // A thread reply shows in its thread (and its root's summary), in the room's history only when sent `alsoInRoom`.
        if (event.message.threadId !== null && !event.message.alsoInRoom) return;
        this.#addMessages(roomId, [event.message]);
        this.#countUnread(event);
        return;
      case "message.edited":
        // An edited thread reply changes the room's history only if it is shown there.
        if (
          event.message.threadId !== null &&
          !this.histories.get()[roomId]?.messages.some((message) => message.id === event.message.id)
        )
          return;
        this.#setHistory(
          roomId,
          (history) => history && { ...history, messages: applyRoomEvent(history.messages, event) },
        );
        return;
      case "message.deleted":
        this.#setHistory(
          roomId,
          (history) => history && { ...history, messages: applyRoomEvent(history.messages, event) },
        );
        // A deleted message that was counted unread no longer is.
        this.#countUnread(event);
        return;
      case "room.updated":
        this.#replaceRoom(roomId, (room) => ({
          ...room,
          name: event.name,
          open: event.open,
          slowModeSeconds: event.slowModeSeconds,
        }));
        return;
      case "room.deleted":
        this.#forgetRoom(roomId);
        return;
      case "member.joined":
        this.#replaceRoom(roomId, (room) => ({ ...room, memberCount: room.memberCount + 1 }));
        return;
      case "member.left":
      case "member.kicked":
        this.#replaceRoom(roomId, (room) => ({ ...room, memberCount: Math.max(0, room.memberCount - 1) }));
        if (event.userId === this.me.id) {
          if (event.type === "member.kicked") this.#tellRemoved(roomId);
          this.#forgetRoom(roomId);
        }
        return;
      case "member.muted":
      case "member.unmuted":
        if (event.userId !== this.me.id) return;
        this.#setMyMute(roomId, event.type === "member.muted" ? event.until : undefined);
        return;
      case "member.role_changed":
        if (event.role === "owner") this.#replaceRoom(roomId, (room) => ({ ...room, ownerId: event.userId }));
        return;
    }
  }

  #addMessages(roomId: string, messages: Message[]): void {
    this.usernames.resolve(messages.map((message) => message.authorId));
    this.#setHistory(
      roomId,
      (history) => history && { ...history, messages: mergeMessages(history.messages, messages) },
    );
    if (roomId === this.activeRoomId.get()) this.#markActiveRead();
  }

  #tellRemoved(roomId: string): void {
    const name = this.rooms.get().find((room) => room.id === roomId)?.name;
    this.notice.set(`You were removed from ${name ?? "a room"}.`);
  }

  /** Counts an event into its room's unread tally; the room on screen, while visible, stays read. */
  #countUnread(event: RoomEvent): void {
    const tally = this.#tallies.get(event.roomId);
    if (tally?.apply(event, this.me.id) !== "changed") return;
    if (event.roomId === this.activeRoomId.get() && document.visibilityState === "visible")
      tally.markRead(tally.lastSeq);
    this.#publishUnread();
  }

  #publishUnread(): void {
    this.unread.set(Object.fromEntries([...this.#tallies].map(([roomId, tally]) => [roomId, tally.count.unread])));
  }

  /** Moves the read cursor of the room on screen to its newest message, a moment after things settle. */
  #markActiveRead(): void {
    const roomId = this.activeRoomId.get();
    if (roomId === null || document.visibilityState !== "visible") return;
    const tally = this.#tallies.get(roomId);
    if (tally && tally.count.unread > 0) {
      tally.markRead(tally.lastSeq);
      this.#publishUnread();
    }
    clearTimeout(this.#markReadTimer);
    this.#markReadTimer = setTimeout(() => {
      const room = this.rooms.get().find((candidate) => candidate.id === roomId);
      if (room && navigator.onLine)
        this.client.trpc.messages.markRead.mutate({ roomId, seq: room.lastSeq }).catch(() => {});
    }, 300);
  }

  #setHistory(roomId: string, change: (history: RoomHistory | undefined) => RoomHistory | undefined): void {
    const histories = this.histories.get();
    const next = change(histories[roomId]);
    if (next !== histories[roomId] && next !== undefined) this.histories.set({ ...histories, [roomId]: next });
  }
}
