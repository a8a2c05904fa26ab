import { idSchema, NatterError } from "@natter/shared";

/** Marks cursors of room listings, so that another listing's cursor is not mistaken for one. */
const PREFIX = "rooms:";

/** The opaque cursor of a room listing page that ends at `roomId`. */
export function encodeRoomCursor(roomId: string): string {
  return Buffer.from(PREFIX + roomId).toString("base64url");
}

/** The room id a cursor from `encodeRoomCursor` ends at; a 400 for anything else. */
export function decodeRoomCursor(cursor: string): string {
  const text = Buffer.from(cursor, "base64url").toString("utf8");
  const roomId = text.slice(PREFIX.length);
  if (!text.startsWith(PREFIX) || !idSchema.safeParse(roomId).success || encodeRoomCursor(roomId) !== cursor) {
    throw new NatterError("VALIDATION_FAILED", "Invalid cursor", {
      issues: [{ path: "cursor", message: "not a cursor from a room listing" }],
    });
  }
  return roomId;
}
