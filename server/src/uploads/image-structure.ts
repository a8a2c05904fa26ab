/**
 * Follows an image's structure past its header as the bytes arrive, keeping only a few of
 * them: an image cut short (a PNG without IEND, a JPEG without EOI, a GIF without its
 * trailer, a WebP shorter than its RIFF size) is not an image.
 */
export interface StructureWalker {
  /** Takes the next bytes; false once they break the structure. */
  push(chunk: Buffer): boolean;
  /** Whether the structure was whole when the bytes ended. */
  complete(): boolean;
  /** The largest frame met so far (GIF frames may be larger than the screen they sit on). */
  readonly largestFrame?: { width: number; height: number };
}

/** The walker for the format the first bytes name (at least 12 of them), if any. */
export function structureWalkerFor(start: Buffer): StructureWalker | undefined {
  if (start.readUInt32BE(0) === 0x89504e47) return new PngWalker();
  if (start[0] === 0xff && start[1] === 0xd8) return new JpegEndWalker();
  const magic = start.toString("latin1", 0, 6);
  if (magic === "GIF87a" || magic === "GIF89a") return new GifWalker();
  if (start.toString("latin1", 0, 4) === "RIFF" && start.toString("latin1", 8, 12) === "WEBP") {
    return new RiffWalker(start.readUInt32LE(4));
  }
  return undefined;
}

/**
 * A walk of fixed-size fields: `step` is handed the next `need` bytes and says what comes
 * next (bytes to skip, the size of the next field, whether the structure ended).
 */
abstract class FieldWalker implements StructureWalker {
  private pending = Buffer.alloc(0);
  private broken = false;
  protected skip = 0;
  protected need = 1;
  protected ended = false;

  push(chunk: Buffer): boolean {
    if (this.broken) return false;
    let data = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk;
    for (;;) {
      if (this.skip > 0) {
        const skipped = Math.min(this.skip, data.length);
        this.skip -= skipped;
        data = data.subarray(skipped);
        if (this.skip > 0) break;
      }
      if (data.length === 0) break;
      // Nothing may follow the end: no script or archive appended to an image.
      if (this.ended || data.length < this.need) {
        if (this.ended) this.broken = true;
        break;
      }
      const field = data.subarray(0, this.need);
      data = data.subarray(this.need);
      if (!this.step(field)) this.broken = true;
      if (this.broken) break;
    }
    this.pending = this.broken ? Buffer.alloc(0) : Buffer.from(data);
    return !this.broken;
  }

  complete(): boolean {
    return !this.broken && this.ended && this.skip === 0 && this.pending.length === 0;
  }

  protected abstract step(field: Buffer): boolean;
}

/** PNG: the signature, then chunks (length, type, data, CRC) up to and including IEND. */
class PngWalker extends FieldWalker {
  constructor() {
    super();
    this.skip = 8;
    this.need = 8;
  }

  protected step(field: Buffer): boolean {
    const length = field.readUInt32BE(0);
    if (length > 0x7fffffff) return false;
    this.skip = length + 4;
    if (field.toString("latin1", 4, 8) === "IEND") this.ended = true;
    return true;
  }
}

type GifPart = "screen" | "block" | "label" | "descriptor" | "code-size" | "sub-block";

/** GIF: the screen, then extensions and frames (each in sub-blocks) up to the trailer. */
class GifWalker extends FieldWalker {
  private part: GifPart = "screen";
  largestFrame = { width: 0, height: 0 };

  constructor() {
    super();
    this.need = 13;
  }

  protected step(field: Buffer): boolean {
    const byte = field[0] ?? 0;
    switch (this.part) {
      case "screen":
        this.skip = colourTableBytes(field[10] ?? 0);
        return this.next("block", 1);
      case "block":
        if (byte === 0x3b) {
          this.ended = true;
          return true;
        }
        if (byte === 0x21) return this.next("label", 1);
        if (byte === 0x2c) return this.next("descriptor", 9);
        return false;
      case "label":
        return this.next("sub-block", 1);
      case "descriptor":
        this.largestFrame = {
          width: Math.max(this.largestFrame.width, field.readUInt16LE(4)),
          height: Math.max(this.largestFrame.height, field.readUInt16LE(6)),
        };
        this.skip = colourTableBytes(field[8] ?? 0);
        return this.next("code-size", 1);
      case "code-size":
        return this.next("sub-block", 1);
      case "sub-block":
        if (byte === 0) return this.next("block", 1);
        this.skip = byte;
        return true;
    }
  }

  private next(part: GifPart, need: number): boolean {
    this.part = part;
    this.need = need;
    return true;
  }
}

/** The bytes of the colour table a GIF's screen or frame flags announce. */
function colourTableBytes(flags: number): number {
  return flags & 0x80 ? 3 << ((flags & 0x07) + 1) : 0;
}

/** JPEG: its entropy-coded data is not walked; a whole one ends with the EOI marker. */
class JpegEndWalker implements StructureWalker {
  private last = [-1, -1];

  push(chunk: Buffer): boolean {
    if (chunk.length >= 2) this.last = [chunk[chunk.length - 2] ?? -1, chunk[chunk.length - 1] ?? -1];
    else if (chunk.length === 1) this.last = [this.last[1] ?? -1, chunk[0] ?? -1];
    return true;
  }

  complete(): boolean {
    return this.last[0] === 0xff && this.last[1] === 0xd9;
  }
}

/** WebP: exactly as long as its RIFF header says (eight bytes of header, the size, a pad byte to even). */
class RiffWalker implements StructureWalker {
  private received = 0;

  constructor(private readonly size: number) {}

  push(chunk: Buffer): boolean {
    this.received += chunk.length;
    return this.received <= this.expected();
  }

  complete(): boolean {
    return this.received === this.expected();
  }

  private expected(): number {
    return 8 + this.size + (this.size % 2);
  }
}
