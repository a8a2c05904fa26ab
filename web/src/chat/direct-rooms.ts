import type { NatterClient, Room, User } from "@natter/client";
import { observable } from "../state/observable.js";

/** Direct rooms listed at once: as many as the rooms the web app watches. */
const DIRECT_ROOMS_MAX = 100;
/** Blocks loaded: a page of them (the web app blocks from direct rooms only). */
const BLOCKS_MAX = 100;

/**
 * The signed-in user's direct rooms and blocks: who the other person of each direct room is
 * (its title and avatar on screen), and whom they have blocked.
 */
export class DirectRooms {
  /** The other person of each of my direct rooms, by room id. */
  readonly peers = observable<Readonly<Record<string, User>>>({});
  /** The users I have blocked. */
  readonly blocked = observable<ReadonlySet<string>>(new Set());

  readonly #client: NatterClient;

  constructor(client: NatterClient) {
    this.#client = client;
  }

  async loadBlocks(): Promise<void> {
    const { blocks } = await this.#client.trpc.dms.blocks.query({ limit: BLOCKS_MAX });
    this.blocked.set(new Set(blocks.map((block) => block.user.id)));
  }

  /** Learns the other person of any direct room among `rooms` not known yet (they never change). */
  async learnPeers(rooms: readonly Room[]): Promise<void> {
    const peers = this.peers.get();
    if (!rooms.some((room) => room.kind === "direct" && !(room.id in peers))) return;
    const { directRooms } = await this.#client.trpc.dms.list.query({ limit: DIRECT_ROOMS_MAX });
    this.peers.set(Object.fromEntries(directRooms.map((direct) => [direct.room.id, direct.otherUser])));
  }

  /** Opens (or finds) my direct room with a user. */
  async open(userId: string): Promise<Room> {
    const { room } = await this.#client.trpc.dms.open.mutate({ userId });
    return room;
  }

  /** Blocks or unblocks a user: a blocked user cannot open a direct room with me or send in ours. */
  async setBlocked(userId: string, blocked: boolean): Promise<void> {
    if (blocked) await this.#client.trpc.dms.block.mutate({ userId });
    else await this.#client.trpc.dms.unblock.mutate({ userId });
    this.blocked.update((ids) => {
      const next = new Set(ids);
      if (blocked) next.add(userId);
      else next.delete(userId);
      return next;
    });
  }

  /** What a room is called on screen: a direct room by the other person's name. */
  titleOf(room: Room): string {
    if (room.kind !== "direct") return room.name;
    const peer = this.peers.get()[room.id];
    return peer ? (peer.displayName ?? peer.username) : room.name;
  }
}
