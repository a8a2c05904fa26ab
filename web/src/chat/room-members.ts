import type { Member, RoomEvent } from "@natter/client";
import { observable } from "../state/observable.js";
import type { Usernames } from "./usernames.js";

/**
 * The members of each room opened, as loaded when it opened and kept live from its events:
 * who joined, left or was removed, and their roles.
 */
export class RoomMembers {
  /** Members by room id, for the rooms opened so far. */
  readonly byRoom = observable<Readonly<Record<string, readonly Member[]>>>({});

  readonly #usernames: Usernames;

  constructor(usernames: Usernames) {
    this.#usernames = usernames;
  }

  /** Shows `members` as a room's, and remembers their names. */
  set(roomId: string, members: readonly Member[]): void {
    this.#usernames.remember(members);
    this.byRoom.update((all) => ({ ...all, [roomId]: members }));
  }

  /** Applies a room's membership event to its members, if they were loaded. */
  onEvent(event: RoomEvent): void {
    switch (event.type) {
      case "member.joined":
        this.#usernames.remember([event.member]);
        this.#update(event.roomId, (members) => [
          ...members.filter((member) => member.userId !== event.member.userId),
          event.member,
        ]);
        return;
      case "member.left":
      case "member.kicked":
        this.#update(event.roomId, (members) => members.filter((member) => member.userId !== event.userId));
        return;
      case "member.role_changed":
        this.#update(event.roomId, (members) =>
          members.map((member) => (member.userId === event.userId ? { ...member, role: event.role } : member)),
        );
        return;
    }
  }

  #update(roomId: string, change: (members: readonly Member[]) => readonly Member[]): void {
    const current = this.byRoom.get()[roomId];
    if (current) this.set(roomId, change(current));
  }
}
