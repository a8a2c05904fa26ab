/**
 * A WebSocket text message framed once for many sockets: the whole frame as a server sends
 * it (RFC 6455 §5.2: FIN and the text opcode, unmasked, the payload's length in 7, 16 or 64
 * bits), header and payload in one Buffer.
 */
export class TextFrame {
  constructor(
    readonly frame: Buffer,
    /** Where the payload begins in `frame`. */
    readonly headerLength: number,
  ) {}

  /**
   * The payload, a view of `frame`: made when asked for (a socket that frames messages itself),
   * since an inbox entry's frame, built per delivery, is nearly always written whole.
   */
  get payload(): Buffer {
    return this.frame.subarray(this.headerLength);
  }
}

/**
 * Frames `text` as one final, unmasked text frame, its UTF-8 written straight after the
 * header: one Buffer, of which `payload` is a view.
 */
export function textFrame(text: string): TextFrame {
  const framed = emptyTextFrame(Buffer.byteLength(text));
  framed.frame.write(text, framed.headerLength);
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
    // Two stores: `writeUInt16BE` is a call and its checks, once per inbox delivery.
    frame[2] = length >>> 8;
    frame[3] = length & 0xff;
  } else {
    frame[1] = 127;
    frame.writeBigUInt64BE(BigInt(length), 2);
  }
  return new TextFrame(frame, headerLength);
}
