import type { Member, NatterClient, Room } from "@natter/client";

/** What moderation changes in the signed-in user's list of rooms. */
export interface RoomListChanges {
  /** Shows a room as the server now answers it. */
  replaceRoom(room: Room): void;
  /** Drops a room that is gone. */
  forgetRoom(roomId: string): void;
}

/**
 * What a room's owner and admins do to it and its members: settings, roles, mutes, removal
 * and deletion. Whatever the room's log tells every member (a role, a mute, a kick) reaches
 * the screen through the room's events; a changed room or a deleted one is shown at once.
 */
export class RoomModeration {
  readonly #client: NatterClient;
  readonly #rooms: RoomListChanges;

  constructor(client: NatterClient, rooms: RoomListChanges) {
    this.#client = client;
    this.#rooms = rooms;
  }

  /** Adds someone to a room (admins and the owner may); the room's log then says they joined. */
  async addMember(roomId: string, userId: string): Promise<void> {
    await this.#client.trpc.rooms.putMember.mutate({ roomId, userId });
  }

  async rename(roomId: string, name: string): Promise<void> {
    const { room } = await this.#client.trpc.rooms.update.mutate({ roomId, name });
    this.#rooms.replaceRoom(room);
  }

  /** Opens a room to everyone or closes it to its members (admins and the owner may). */
  async setOpen(roomId: string, open: boolean): Promise<void> {
    const { room } = await this.#client.trpc.rooms.update.mutate({ roomId, open });
    this.#rooms.replaceRoom(room);
  }

  /** Sets a room's slow mode, in seconds (0 turns it off; admins and the owner may). */
  async setSlowMode(roomId: string, slowModeSeconds: number): Promise<void> {
    const { room } = await this.#client.trpc.rooms.update.mutate({ roomId, slowModeSeconds });
    this.#rooms.replaceRoom(room);
  }

  /** Mutes a member for `minutes`, or until lifted when null (admins mute members; the owner admins too). */
  async mute(roomId: string, userId: string, minutes: number | null): Promise<void> {
    const until = minutes === null ? undefined : new Date(Date.now() + minutes * 60_000).toISOString();
    await this.#client.trpc.rooms.mute.mutate({ roomId, userId, ...(until && { until }) });
  }

  /** Lifts a member's mute. */
  async unmute(roomId: string, userId: string): Promise<void> {
    await this.#client.trpc.rooms.unmute.mutate({ roomId, userId });
  }

  /** Deletes a room with everything in it (its owner may). */
  async deleteRoom(roomId: string): Promise<void> {
    await this.#client.trpc.rooms.delete.mutate({ roomId });
    this.#rooms.forgetRoom(roomId);
  }

  /**
   * Gives a member a role (the owner may). Giving `owner` hands the room over: the old
   * owner becomes an admin. The room's log tells every member, this one included.
   */
  async setRole(roomId: string, userId: string, role: Member["role"]): Promise<void> {
    await this.#client.trpc.rooms.putMember.mutate({ roomId, userId, role });
  }

  /** Removes someone from a room (admins kick members; the owner kicks admins too). */
  async kick(roomId: string, userId: string): Promise<void> {
    await this.#client.trpc.rooms.removeMember.mutate({ roomId, userId });
  }
}
