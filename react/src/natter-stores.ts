import {
  createRoomMessages,
  createRoomSignals,
  createUnreadCounts,
  type NatterClient,
  type RoomMessages,
  type RoomSignals,
  type UnreadCounts,
} from "@natter/client";

/**
 * The live state a provider's components share, one per room (two components showing one
 * room open one stream), made on first use. Each opens its streams when its first listener
 * subscribes and closes them shortly after the last leaves, so a server render opens none.
 */
export class NatterStores {
  readonly #client: NatterClient;
  readonly #userId: () => string | undefined;
  readonly #rooms = new Map<string, RoomMessages>();
  readonly #signals = new Map<string, RoomSignals>();
  #unread: UnreadCounts | undefined;

  constructor(client: NatterClient, userId: () => string | undefined) {
    this.#client = client;
    this.#userId = userId;
  }

  roomMessages(roomId: string, pageSize: number): RoomMessages {
    const key = `${roomId}/${pageSize}`;
    let store = this.#rooms.get(key);
    if (!store) {
      store = createRoomMessages(this.#client, roomId, {
        pageSize,
        userId: this.#userId,
        // Whoever just sent a message has stopped typing it, as the web app shows it too.
        onEvent: (event) => {
          if (event.type === "message.created") this.#signals.get(roomId)?.clearTyping(event.message.authorId);
        },
      });
      this.#rooms.set(key, store);
    }
    return store;
  }

  roomSignals(roomId: string): RoomSignals {
    let store = this.#signals.get(roomId);
    if (!store) {
      store = createRoomSignals(this.#client.trpc, roomId);
      this.#signals.set(roomId, store);
    }
    return store;
  }

  unread(): UnreadCounts {
    this.#unread ??= createUnreadCounts(this.#client);
    return this.#unread;
  }
}
