/**
 * A WebSocket text message framed once for many sockets: its payload, and the whole frame
 * as a server sends it (RFC 6455 §5.2: FIN and the text opcode, unmasked, the payload's
 * length in 7, 16 or 64 bits), header and payload in one Buffer.
 */
export interface TextFrame {
  payload: Buffer;
  frame: Buffer;
}

/**
 * Frames `text` as one final, unmasked text frame, its UTF-8 written straight after the
 * header: one Buffer, of which `payload` is a view.
 */
export function textFrame(text: string): TextFrame {
  const framed = emptyTextFrame(Buffer.byteLength(text));
  framed.payload.write(text);
  return framed;
}

/**
 * A text frame of `length` payload bytes, its header written and its payload left for the
 * caller to fill (`allocUnsafe`: every byte of it must be written).
 */
export function emptyTextFrame(length: number): TextFrame {
  const headerLength = length < 126 ? 2 : length < 65_536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(headerLength + length);
  frame[0] = 0x81;
  if (length < 126) {
    frame[1] = length;
  } else if (length < 65_536) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeBigUInt64BE(BigInt(length), 2);
  }
  return { payload: frame.subarray(headerLength), frame };
}
