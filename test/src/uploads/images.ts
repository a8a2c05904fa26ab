import { crc32, deflateSync } from "node:zlib";

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, "latin1");
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/**
 * A valid grey PNG of the given dimensions, padded to exactly `size` bytes (when given) with
 * a private ancillary chunk that decoders skip; `seed` varies the padding so images differ.
 */
export function png(width = 4, height = 3, size?: number, seed = 0): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 0, 0, 0, 0], 8); // 8-bit greyscale
  const rows = Buffer.alloc(Math.min(height, 64) * (Math.min(width, 64) + 1), 0x80);
  const parts = [
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", deflateSync(rows)),
  ];
  const end = chunk("IEND", Buffer.alloc(0));
  const used = parts.reduce((sum, part) => sum + part.length, 0) + end.length;
  if (size !== undefined) {
    const padding = size - used - 12;
    if (padding < 0) throw new Error(`a PNG needs at least ${used + 12} bytes`);
    const filler = Buffer.alloc(padding);
    for (let i = 0; i < padding; i++) filler[i] = (i * 31 + seed) & 0xff;
    parts.push(chunk("nAtR", filler));
  }
  return Buffer.concat([...parts, end]);
}

/**
 * A whole GIF of one 1×1 frame, screen `width`×`height` (frame `frameWidth`×`frameHeight`),
 * with `comment` in a comment extension before the frame.
 */
export function gif({
  width = 1,
  height = 1,
  frameWidth = 1,
  frameHeight = 1,
  comment,
}: {
  width?: number;
  height?: number;
  frameWidth?: number;
  frameHeight?: number;
  comment?: Buffer;
} = {}): Buffer {
  const screen = Buffer.alloc(13);
  screen.write("GIF89a", 0, "latin1");
  screen.writeUInt16LE(width, 6);
  screen.writeUInt16LE(height, 8);
  const extension = comment
    ? Buffer.concat([Buffer.from([0x21, 0xfe, comment.length]), comment, Buffer.from([0])])
    : [];
  const frame = Buffer.alloc(10);
  frame[0] = 0x2c;
  frame.writeUInt16LE(frameWidth, 5);
  frame.writeUInt16LE(frameHeight, 7);
  // LZW minimum code size 2, one sub-block of image data, its terminator, the trailer.
  const data = Buffer.from([0x02, 0x02, 0x44, 0x01, 0x00, 0x3b]);
  return Buffer.concat([screen, ...(comment ? [extension as Buffer] : []), frame, data]);
}

/** A whole GIF that also runs as JavaScript. */
export function gifScriptPolyglot(): Buffer {
  // `GIF89a` parses as an identifier; the width's bytes `/*` open a comment that the GIF's own
  // comment extension closes; the script ends in `//`, and the rest of the file has no line break.
  const polyglot = gif({ width: 0x2a2f, comment: Buffer.from("*/=1;alert(document.domain);//", "latin1") });
  if (polyglot.includes(0x0a) || polyglot.includes(0x0d)) throw new Error("the polyglot would end its line comment");
  return polyglot;
}
