import type { ImageContentType } from "@natter/shared";
import { type StructureWalker, structureWalkerFor } from "./image-structure.js";

/** What the first bytes of an image say about it. */
export interface ImageHeader {
  contentType: ImageContentType;
  width: number;
  height: number;
}

/** What a sniffer has concluded so far. */
export type SniffResult = { state: "need-more" } | { state: "image"; header: ImageHeader } | { state: "not-an-image" };

/** The longest fixed header read for PNG, GIF and WebP; JPEG segments are skipped, never kept. */
const FIXED_HEADER_BYTES = 32;

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Bytes that name the format, for choosing how to follow its structure. */
const FORMAT_BYTES = 12;

/**
 * Decides from the bytes alone whether a stream is a PNG, JPEG, GIF or WebP image, and reads
 * its dimensions from the header, as the bytes arrive; then follows its structure to the end
 * (`image-structure.ts`): an image cut short is none, and a GIF's dimensions are those of its
 * largest frame if that is larger than its screen. It keeps at most a few dozen bytes: a
 * JPEG's segments before its frame header (EXIF, ICC profiles) are skipped by length.
 */
export class ImageSniffer {
  private head = Buffer.alloc(0);
  private result: SniffResult = { state: "need-more" };
  private jpeg: JpegScanner | undefined;
  /** The first bytes, until they name the format; then the walker of its structure. */
  private start = Buffer.alloc(0);
  private walker: StructureWalker | undefined;

  /**
   * Feeds the next chunk; answers the conclusion so far. Once an image, it stays one (with
   * the dimensions of the largest GIF frame so far) until its structure breaks; `end` decides.
   */
  push(chunk: Uint8Array): SniffResult {
    if (this.result.state === "not-an-image") return this.result;
    if (!this.walk(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength))) {
      return this.conclude({ state: "not-an-image" });
    }
    if (this.result.state === "image") return this.withFrames(this.result.header);
    if (this.jpeg) return this.conclude(this.jpeg.push(chunk));
    const wanted = FIXED_HEADER_BYTES - this.head.length;
    this.head = Buffer.concat([this.head, chunk.subarray(0, wanted)]);
    if (this.head.length >= 3 && this.head[0] === 0xff && this.head[1] === 0xd8 && this.head[2] === 0xff) {
      this.jpeg = new JpegScanner();
      // The head holds the stream's first bytes; what it left of the chunk follows them.
      const fromHead = this.jpeg.push(this.head);
      if (fromHead.state !== "need-more") return this.conclude(fromHead);
      return this.conclude(this.jpeg.push(chunk.subarray(Math.max(0, wanted))));
    }
    if (this.head.length < FIXED_HEADER_BYTES) return this.result;
    return this.conclude(sniffFixedHeader(this.head));
  }

  /** The conclusion at the end of the stream: too short to decide, or cut short, means not an image. */
  end(): SniffResult {
    if (this.result.state === "need-more" && !this.jpeg && this.head.length > 0) {
      this.result = sniffFixedHeader(this.head);
    }
    if (this.result.state !== "image" || !this.walker?.complete()) return { state: "not-an-image" };
    return this.withFrames(this.result.header);
  }

  private conclude(result: SniffResult): SniffResult {
    this.result = result;
    return result;
  }

  /** Follows the structure; false once it is broken or names no format we know. */
  private walk(chunk: Buffer): boolean {
    if (this.walker) return this.walker.push(chunk);
    this.start = Buffer.concat([this.start, chunk]);
    if (this.start.length < FORMAT_BYTES) return true;
    this.walker = structureWalkerFor(this.start);
    const start = this.start;
    this.start = Buffer.alloc(0);
    return this.walker?.push(start) ?? false;
  }

  private withFrames(header: ImageHeader): SniffResult {
    const frame = this.walker?.largestFrame;
    if (!frame) return { state: "image", header };
    const width = Math.max(header.width, frame.width);
    const height = Math.max(header.height, frame.height);
    return { state: "image", header: { ...header, width, height } };
  }
}

function startsWith(bytes: Buffer, prefix: readonly number[], at = 0): boolean {
  return bytes.length >= at + prefix.length && prefix.every((byte, i) => bytes[at + i] === byte);
}

function ascii(bytes: Buffer, at: number, length: number): string {
  return bytes.toString("latin1", at, at + length);
}

function image(contentType: ImageContentType, width: number, height: number): SniffResult {
  return { state: "image", header: { contentType, width, height } };
}

/** PNG, GIF and WebP name their dimensions within their first 30 bytes. */
function sniffFixedHeader(head: Buffer): SniffResult {
  if (startsWith(head, PNG_SIGNATURE) && head.length >= 24 && ascii(head, 12, 4) === "IHDR") {
    return image("image/png", head.readUInt32BE(16), head.readUInt32BE(20));
  }
  const gif = ascii(head, 0, 6);
  if ((gif === "GIF87a" || gif === "GIF89a") && head.length >= 10) {
    return image("image/gif", head.readUInt16LE(6), head.readUInt16LE(8));
  }
  if (head.length >= 30 && ascii(head, 0, 4) === "RIFF" && ascii(head, 8, 4) === "WEBP") {
    return sniffWebp(head);
  }
  return { state: "not-an-image" };
}

function sniffWebp(head: Buffer): SniffResult {
  switch (ascii(head, 12, 4)) {
    case "VP8 ":
      // Lossy: a key frame's start code, then 14-bit width and height.
      if (!startsWith(head, [0x9d, 0x01, 0x2a], 23)) return { state: "not-an-image" };
      return image("image/webp", head.readUInt16LE(26) & 0x3fff, head.readUInt16LE(28) & 0x3fff);
    case "VP8L": {
      // Lossless: a signature byte, then width-1 and height-1 in 14 bits each.
      if (head[20] !== 0x2f) return { state: "not-an-image" };
      const bits = head.readUInt32LE(21);
      return image("image/webp", (bits & 0x3fff) + 1, ((bits >>> 14) & 0x3fff) + 1);
    }
    case "VP8X":
      // Extended: the canvas, width-1 and height-1 in 24 bits each.
      return image("image/webp", head.readUIntLE(24, 3) + 1, head.readUIntLE(27, 3) + 1);
    default:
      return { state: "not-an-image" };
  }
}

/** Start-of-frame markers that carry the image's dimensions (not DHT, JPG or DAC). */
function isStartOfFrame(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

/**
 * Walks a JPEG's segments up to its frame header: keeps only the bytes of the segment header
 * being read and counts down the lengths of segments it skips.
 */
class JpegScanner {
  private pending = Buffer.alloc(0);
  private skip = 2; // the SOI marker

  push(chunk: Uint8Array): SniffResult {
    let data = Buffer.concat([this.pending, chunk]);
    for (;;) {
      if (this.skip > 0) {
        const skipped = Math.min(this.skip, data.length);
        this.skip -= skipped;
        data = data.subarray(skipped);
        if (this.skip > 0) break;
      }
      // Fill bytes (0xFF runs) may precede a marker.
      let at = 0;
      while (at + 1 < data.length && data[at] === 0xff && data[at + 1] === 0xff) at++;
      data = data.subarray(at);
      if (data.length < 4) break;
      if (data[0] !== 0xff) return { state: "not-an-image" };
      const marker = data[1] ?? 0;
      if (marker === 0xd8 || marker === 0xd9 || marker === 0xda || (marker >= 0xd0 && marker <= 0xd7)) {
        // Another image start, the end, or the scan before any frame header: not a JPEG we can read.
        return { state: "not-an-image" };
      }
      const length = data.readUInt16BE(2);
      if (length < 2) return { state: "not-an-image" };
      if (isStartOfFrame(marker)) {
        if (data.length < 9) break;
        return image("image/jpeg", data.readUInt16BE(7), data.readUInt16BE(5));
      }
      this.skip = 2 + length;
    }
    this.pending = Buffer.from(data);
    return { state: "need-more" };
  }
}
