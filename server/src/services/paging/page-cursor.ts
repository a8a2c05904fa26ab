import { idSchema, NatterError } from "@natter/shared";

/** The keyset listings that page by id; a cursor from one is refused by the others. */
export type CursorListing =
  | "rooms"
  | "unread"
  | "users"
  | "activity"
  | "mentions"
  | "receipts"
  | "reactors"
  | "threads"
  | "webhook-deliveries"
  | "direct"
  | "blocks"
  | "mutes"
  | "reports";

/** The opaque cursor of a `listing` page that ends at the item `id`. */
export function encodeCursor(listing: CursorListing, id: string): string {
  return Buffer.from(`${listing}:${id}`).toString("base64url");
}

/** The id a cursor from `encodeCursor(listing, …)` ends at; a 400 for anything else. */
export function decodeCursor(listing: CursorListing, cursor: string): string {
  const text = Buffer.from(cursor, "base64url").toString("utf8");
  const prefix = `${listing}:`;
  const id = text.slice(prefix.length);
  if (!text.startsWith(prefix) || !idSchema.safeParse(id).success || encodeCursor(listing, id) !== cursor) {
    throw new NatterError("VALIDATION_FAILED", "Invalid cursor", {
      issues: [{ path: "cursor", message: `not a cursor of this listing (${listing})` }],
    });
  }
  return id;
}

/** The seq a cursor from `encodeCursor(listing, String(seq))` ends at; a 400 for anything else. */
export function decodeSeqCursor(listing: CursorListing, cursor: string): number {
  const text = decodeCursor(listing, cursor);
  const seq = Number(text);
  if (!/^\d{1,15}$/.test(text) || !Number.isSafeInteger(seq)) {
    throw new NatterError("VALIDATION_FAILED", "Invalid cursor", {
      issues: [{ path: "cursor", message: `not a cursor of this listing (${listing})` }],
    });
  }
  return seq;
}
