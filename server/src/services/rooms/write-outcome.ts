import type { RoomEvent } from "@natter/shared";

/** What a room write did: the committed log entries to publish, and the answer for the caller. */
export interface WriteOutcome<T> {
  events: RoomEvent[];
  result: T;
}
