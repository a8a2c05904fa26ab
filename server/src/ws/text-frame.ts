/**
 * A WebSocket text message framed once for many sockets: its payload, and the whole frame
 * as a server sends it (RFC 6455 §5.2: FIN and the text opcode, unmasked, the payload's
 * length in 7, 16 or 64 bits), header and payload in one Buffer.
 */
export interface TextFrame {
  payload: Buffer;
  frame: Buffer;
}

/** Frames `payload` as one final, unmasked text frame. */
export function textFrame(payload: Buffer): TextFrame {
  const length = payload.length;
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
  payload.copy(frame, headerLength);
  return { payload, frame };
}
