import type { Message } from "@natter/shared";
import { knownEncodingOf } from "../events/encoded-events.js";
import { preEncodedToken } from "../json/pre-encoded.js";

/**
 * A send's answer, `{ message }`. When the message's JSON is known already (its `message.created`
 * event was encoded around it for the log: `messageCreatedEncodingOf`) and ASCII, an answer's
 * encoding (`jsonBody`) writes that text instead of encoding the message a second time; every
 * other reader (tRPC's own `JSON.stringify`, a caller in process, a test's equality) sees
 * `{ message }`. A retry's original, or a message with attachments, is answered as it stands.
 */
export function messageResult(message: Message): { message: Message } {
  const json = knownEncodingOf(message);
  // Pre-encoded texts are ASCII (`preEncodedToken`): a UTF-8 length equal to the text's says so.
  if (json === undefined || Buffer.byteLength(json) !== json.length) return { message };
  return new EncodedMessageResult(message, json);
}

/** `{ message }` that writes the message's known JSON into an answer's encoding. */
class EncodedMessageResult {
  readonly #json: string;

  constructor(
    readonly message: Message,
    json: string,
  ) {
    this.#json = json;
  }

  /** What `JSON.stringify` writes: the message's text in an answer's encoding, the message itself anywhere else. */
  toJSON(): { message: unknown } {
    return { message: preEncodedToken(() => this.#json) ?? this.message };
  }
}
