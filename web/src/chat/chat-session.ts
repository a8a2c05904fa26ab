import {
  applyRoomEvent,
  type InboxEvent,
  type InboxWatch,
  isNatterError,
  type Message,
  mergeMessages,
  type NatterClient,
  type Room,
  type RoomEvent,
  type RoomUnreadCount,
  type RoomWatch,
  type RouterOutputs,
} from "@natter/client";
import { AttachmentImages } from "../images/attachment-images.js";
import { type Observable, observable } from "../state/observable.js";
import { ConnectionMonitor } from "./connection-monitor.js";
import { Conversations } from "./conversations.js";
import { DirectRooms } from "./direct-rooms.js";
import { InboxBadges } from "./inbox-badges.js";
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
/** Joined rooms listed and counted. */
const ROOMS_MAX = 100;
/** Where the connection monitor files the inbox stream's state (room watches are filed by room id). */
const INBOX = "inbox";

/**
 * A signed-in user's chat: joined rooms with unread counts and mentions, kept live by one
 * inbox stream; the room on screen, watched live (the one room subscription); the history of
 * the rooms opened, members, and the outbox. Components read its observables.
 */
export class ChatSession {
  readonly me: Me;
  readonly client: NatterClient;
  /** My rooms, the one with the newest message (seen live) first. */
  readonly rooms = observable<readonly Room[]>([]);
  /** Unread messages and mentions of me, by joined room, kept live from my inbox stream. */
  readonly unread: Observable<Readonly<Record<string, RoomUnreadCount>>>;
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
  /** The room on screen; its new messages count as read while the page is visible. */
  readonly activeRoomId: Observable<string | null> = observable<string | null>(null);

  readonly #badges: InboxBadges;
  #inbox: InboxWatch | undefined;
  /** Inbox entries held back while the rooms and counts are read again, to apply after them (none: not reading). */
  #heldBack: InboxEvent[] | undefined;
  /** The room on screen, watched live. */
  #roomWatch: { roomId: string; watch: RoomWatch } | undefined;
  /** The `seq` of the last event applied to each room loaded: where its next watch goes on from. */
  readonly #applied = new Map<string, number>();
  /** How many times I have lost each room: a room learnt of before a loss is not listed after it. */
  readonly #losses = new Map<string, number>();
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
    this.#badges = new InboxBadges(me.id);
    this.unread = this.#badges.counts;
    this.connection = new ConnectionMonitor();
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

  /**
   * Loads my rooms and their counts, then watches my inbox from the position those counts
   * include; the outbox sends whatever waited from last time.
   */
  async start(): Promise<void> {
    const [, inboxSeq] = await Promise.all([this.direct.loadBlocks(), this.#loadRooms()]);
    if (this.#disposed) return;
    this.#inbox = this.client.watchInbox(
      {
        onEvent: (event) => {
          if (this.#heldBack) this.#heldBack.push(event);
          else this.#onInboxEvent(event);
        },
        // Away longer than the inbox keeps entries: read the rooms and counts again.
        onResync: () => this.#reloadRooms(),
        onStateChange: (state) => this.connection.report(INBOX, state),
        onEnd: () => this.connection.forget(INBOX),
      },
      { afterSeq: inboxSeq },
    );
    document.addEventListener("visibilitychange", this.#onVisible);
    this.outbox.flush();
  }

  dispose(): void {
    this.#disposed = true;
    clearTimeout(this.#markReadTimer);
    document.removeEventListener("visibilitychange", this.#onVisible);
    this.#inbox?.stop();
    this.#roomWatch?.watch.stop();
    this.#roomWatch = undefined;
    this.outbox.stop();
    this.connection.stop();
    this.images.dispose();
  }

  /**
   * Reads my rooms and their counts; answers the inbox position the counts include. The counts
   * first: whatever changes after them comes from the inbox, so a room gained or lost between
   * the two reads is told of again (adding and forgetting a room twice changes nothing).
   */
  async #loadRooms(): Promise<number> {
    const unread = await this.client.trpc.messages.unread.query({ limit: ROOMS_MAX });
    const { rooms } = await this.client.trpc.rooms.list.query({ scope: "joined", limit: ROOMS_MAX });
    if (this.#disposed) return unread.inboxSeq;
    await this.direct.learnPeers(rooms);
    // Rooms listed already keep their place; new ones come first, the one with the newest message
    // first (a room without messages by when it was made), as the inbox's messages reorder them.
    const joined = new Set(rooms.map((room) => room.id));
    const listed = this.rooms.get().filter((room) => joined.has(room.id));
    const lastMessageAt = new Map(unread.rooms.map((counts) => [counts.roomId, counts.lastMessageAt]));
    const activeAt = (room: Room) => lastMessageAt.get(room.id) ?? room.createdAt;
    const fresh = rooms
      .filter((room) => !listed.some((known) => known.id === room.id))
      .sort((a, b) => activeAt(b).localeCompare(activeAt(a)));
    this.rooms.set([...fresh, ...listed]);
    this.#badges.reset(unread.rooms, unread.inboxSeq);
    for (const room of rooms) this.#badges.add(room.id);
    const active = this.activeRoomId.get();
    if (active !== null && this.#reading(active)) this.#badges.clear(active);
    return unread.inboxSeq;
  }

  /** Reads the rooms and counts again, holding back the inbox's entries until they are in (then applied on them). */
  #reloadRooms(): void {
    this.#heldBack ??= [];
    this.#loadRooms()
      .catch(() => {})
      .finally(() => {
        const held = this.#heldBack ?? [];
        this.#heldBack = undefined;
        for (const event of held) this.#onInboxEvent(event);
      });
  }

  /** One entry of my inbox: the counts, the rooms I gained, lost and renamed, which room had the newest message. */
  #onInboxEvent(event: InboxEvent): void {
    this.#badges.apply(event, (roomId) => this.#reading(roomId));
    const { roomId } = event;
    switch (event.type) {
      case "message.created":
        this.rooms.update((rooms) => {
          const room = rooms.find((candidate) => candidate.id === roomId);
          return !room || rooms[0] === room ? rooms : [room, ...rooms.filter((other) => other !== room)];
        });
        return;
      case "room.updated": {
        const { name, open, slowModeSeconds } = event;
        this.#replaceRoom(roomId, (room) => ({ ...room, name, open, slowModeSeconds }));
        return;
      }
      case "room.added":
      case "dm.created":
        this.#learnRoom(roomId).catch(() => {});
        return;
      case "room.removed":
        this.#losses.set(roomId, (this.#losses.get(roomId) ?? 0) + 1);
        if (event.reason === "kicked") this.#tellRemoved(roomId);
        this.#forgetRoom(roomId);
        return;
    }
  }

  /** Lists a room I am now in (direct rooms with the other person), unless I lost it again meanwhile. */
  async #learnRoom(roomId: string): Promise<void> {
    if (this.rooms.get().some((room) => room.id === roomId)) return;
    const losses = this.#losses.get(roomId);
    const { room } = await this.client.trpc.rooms.get.query({ roomId });
    await this.direct.learnPeers([room]);
    if (this.#losses.get(roomId) === losses && !this.#disposed) this.#addRoom(room);
  }

  /** Whether new messages of a room count as read: it is on screen and the page is visible. */
  #reading(roomId: string): boolean {
    return roomId === this.activeRoomId.get() && document.visibilityState === "visible";
  }

  /**
   * Shows a room: loads its newest history and members once, watches it live (and no other:
   * a room shown before goes on from the last event applied to it), and marks it read.
   */
  async openRoom(roomId: string | null): Promise<void> {
    this.activeRoomId.set(roomId);
    if (this.#roomWatch && this.#roomWatch.roomId !== roomId) this.#unwatch();
    if (roomId === null) return;
    this.#markActiveRead();
    const applied = this.#applied.get(roomId);
    if (this.histories.get()[roomId] && applied !== undefined) {
      this.#watch(roomId, applied);
      return;
    }
    const [{ room }, page, members] = await Promise.all([
      this.client.trpc.rooms.get.query({ roomId }),
      this.client.trpc.messages.list.query({ roomId, limit: PAGE_SIZE }),
      this.client.trpc.rooms.members.query({ roomId, limit: 200 }),
    ]);
    this.#applied.set(roomId, room.lastSeq);
    // The room as it is now (a room not on screen is not watched: its name may have changed).
    this.#replaceRoom(roomId, () => room);
    if (this.activeRoomId.get() === roomId) this.#watch(roomId, room.lastSeq);
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
    await this.direct.learnPeers([room]);
    this.#addRoom(room);
    return room;
  }

  async leave(roomId: string): Promise<void> {
    await this.client.trpc.rooms.leave.mutate({ roomId });
    this.#forgetRoom(roomId);
  }

  #addRoom(room: Room): void {
    if (!this.rooms.get().some((candidate) => candidate.id === room.id)) this.rooms.update((rooms) => [room, ...rooms]);
    this.#badges.add(room.id);
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
    this.#badges.forget(roomId);
  }

  /** Watches the room on screen, from the event after `afterSeq`; the room watched before stops. */
  #watch(roomId: string, afterSeq: number): void {
    if (this.#roomWatch?.roomId === roomId || this.#disposed) return;
    this.#unwatch();
    const watch = this.client.watchRoom(
      roomId,
      {
        onEvent: (event) => this.#onEvent(event),
        onStateChange: (state) => this.connection.report(roomId, state),
        onEnd: () => {
          if (this.#roomWatch?.watch === watch) this.#roomWatch = undefined;
          this.connection.forget(roomId);
        },
      },
      { afterSeq },
    );
    this.#roomWatch = { roomId, watch };
  }

  #unwatch(): void {
    const watched = this.#roomWatch;
    this.#roomWatch = undefined;
    watched?.watch.stop();
  }

  #onEvent(event: RoomEvent): void {
    const { roomId } = event;
    this.#applied.set(roomId, event.seq);
    if (event.type !== "room.deleted") this.#replaceRoom(roomId, (room) => ({ ...room, lastSeq: event.seq }));
    this.conversations.onEvent(event);
    this.members.onEvent(event);
    switch (event.type) {
      case "message.created":
        // A thread reply shows in its thread (and its root's summary), in the room's history only when sent `alsoInRoom`.
        if (event.message.threadId !== null && !event.message.alsoInRoom) return;
        this.#addMessages(roomId, [event.message]);
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

  /** Tells me I was removed from a room still listed (the inbox and the room's own watch both say so: once is enough). */
  #tellRemoved(roomId: string): void {
    const room = this.rooms.get().find((candidate) => candidate.id === roomId);
    if (room) this.notice.set(`You were removed from ${this.direct.titleOf(room)}.`);
  }

  /** Moves the read cursor of the room on screen to its newest message, a moment after things settle. */
  #markActiveRead(): void {
    const roomId = this.activeRoomId.get();
    if (roomId === null || !this.#reading(roomId)) return;
    this.#badges.clear(roomId);
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
