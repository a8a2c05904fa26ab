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

/** A file that is a valid GIF header and also runs as JavaScript. */
export function gifScriptPolyglot(): Buffer {
  // `GIF89a` parses as an identifier; the dimensions bytes `/*` open a comment the script closes.
  const head = Buffer.from("GIF89a/*\x01\x00\x00\xff\x00\x00", "latin1");
  return Buffer.concat([head, Buffer.from("*/=1;alert(document.domain);//", "latin1"), Buffer.alloc(16)]);
}
