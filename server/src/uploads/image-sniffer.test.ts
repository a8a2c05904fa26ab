import { describe, expect, it } from "vitest";
import { ImageSniffer, type SniffResult } from "./image-sniffer.js";

function sniff(bytes: Buffer, chunkSize = bytes.length): SniffResult {
  const sniffer = new ImageSniffer();
  for (let at = 0; at < bytes.length; at += chunkSize) {
    const result = sniffer.push(bytes.subarray(at, at + chunkSize));
    if (result.state !== "need-more") return result;
  }
  return sniffer.end();
}

function png(width: number, height: number): Buffer {
  const head = Buffer.alloc(33);
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(head);
  head.writeUInt32BE(13, 8);
  head.write("IHDR", 12, "latin1");
  head.writeUInt32BE(width, 16);
  head.writeUInt32BE(height, 20);
  return head;
}

function jpeg(width: number, height: number, exifBytes: number): Buffer {
  const app1 = Buffer.alloc(4 + exifBytes);
  app1.writeUInt16BE(0xffe1, 0);
  app1.writeUInt16BE(exifBytes + 2, 2);
  const sof = Buffer.from([0xff, 0xc0, 0x00, 0x11, 0x08, 0, 0, 0, 0, 0x03]);
  sof.writeUInt16BE(height, 5);
  sof.writeUInt16BE(width, 7);
  return Buffer.concat([Buffer.from([0xff, 0xd8]), app1, Buffer.from([0xff, 0xff]), sof, Buffer.alloc(20)]);
}

/** Feeds every byte, then ends: the conclusion about the whole stream. */
function sniffWhole(bytes: Buffer, chunkSize = bytes.length): SniffResult {
  const sniffer = new ImageSniffer();
  for (let at = 0; at < bytes.length; at += chunkSize) sniffer.push(bytes.subarray(at, at + chunkSize));
  return sniffer.end();
}

/** A PNG chunk; the CRC is not checked. */
function pngChunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, "latin1");
  return Buffer.concat([head, data, Buffer.alloc(4)]);
}

function wholePng(): Buffer {
  return Buffer.concat([
    png(4, 3).subarray(0, 33),
    pngChunk("IDAT", Buffer.alloc(10)),
    pngChunk("IEND", Buffer.alloc(0)),
  ]);
}

function wholeGif(frameWidth: number, frameHeight: number): Buffer {
  const screen = Buffer.from("GIF89a\x01\x00\x01\x00\x80\x00\x00", "latin1");
  const colours = Buffer.alloc(6);
  const frame = Buffer.from([0x2c, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  frame.writeUInt16LE(frameWidth, 5);
  frame.writeUInt16LE(frameHeight, 7);
  const extension = Buffer.from([0x21, 0xf9, 0x04, 0, 0, 0, 0, 0x00]);
  return Buffer.concat([screen, colours, extension, frame, Buffer.from([0x02, 0x02, 0x44, 0x01, 0x00, 0x3b])]);
}

describe("ImageSniffer", () => {
  it("reads a PNG's dimensions from IHDR, whole or a byte at a time", () => {
    const expected = { state: "image", header: { contentType: "image/png", width: 640, height: 480 } };
    expect(sniff(png(640, 480))).toEqual(expected);
    expect(sniff(png(640, 480), 1)).toEqual(expected);
  });

  it("finds a JPEG's frame header behind a large EXIF segment, in small chunks", () => {
    const bytes = jpeg(1024, 768, 60_000);
    const expected = { state: "image", header: { contentType: "image/jpeg", width: 1024, height: 768 } };
    expect(sniff(bytes)).toEqual(expected);
    expect(sniff(bytes, 7)).toEqual(expected);
  });

  it("reads GIF and the three WebP flavours", () => {
    const gif = wholeGif(1, 1);
    gif.writeUInt16LE(300, 6);
    gif.writeUInt16LE(200, 8);
    expect(sniff(gif)).toMatchObject({ header: { contentType: "image/gif", width: 300, height: 200 } });

    const webp = (kind: string, fill: (b: Buffer) => void) => {
      const b = Buffer.alloc(40);
      b.write("RIFF", 0, "latin1");
      b.writeUInt32LE(32, 4);
      b.write("WEBP", 8, "latin1");
      b.write(kind, 12, "latin1");
      fill(b);
      return b;
    };
    const lossy = webp("VP8 ", (b) => {
      b.set([0x9d, 0x01, 0x2a], 23);
      b.writeUInt16LE(400, 26);
      b.writeUInt16LE(300, 28);
    });
    expect(sniff(lossy)).toMatchObject({ header: { contentType: "image/webp", width: 400, height: 300 } });
    const lossless = webp("VP8L", (b) => {
      b[20] = 0x2f;
      b.writeUInt32LE(99 | (49 << 14), 21);
    });
    expect(sniff(lossless)).toMatchObject({ header: { width: 100, height: 50 } });
    const extended = webp("VP8X", (b) => {
      b.writeUIntLE(1999, 24, 3);
      b.writeUIntLE(999, 27, 3);
    });
    expect(sniff(extended)).toMatchObject({ header: { width: 2000, height: 1000 } });
  });

  it("refuses what is not one of the four, whatever it claims to be", () => {
    expect(sniff(Buffer.from("<!doctype html><script>alert(1)</script>"))).toEqual({ state: "not-an-image" });
    expect(sniff(Buffer.from([0x89, 0x50, 0x4e]))).toEqual({ state: "not-an-image" });
    // A JPEG whose scan starts before any frame header.
    expect(sniff(Buffer.from([0xff, 0xd8, 0xff, 0xda, 0x00, 0x08, 0, 0, 0, 0, 0, 0]))).toEqual({
      state: "not-an-image",
    });
  });

  it("requires a whole structure: PNG up to IEND, JPEG up to EOI, GIF up to its trailer, WebP its RIFF size", () => {
    const png = wholePng();
    expect(sniffWhole(png)).toMatchObject({ state: "image", header: { width: 4, height: 3 } });
    expect(sniffWhole(png, 1)).toMatchObject({ state: "image" });
    expect(sniffWhole(png.subarray(0, 33))).toEqual({ state: "not-an-image" });
    expect(sniffWhole(png.subarray(0, -1))).toEqual({ state: "not-an-image" });
    expect(sniffWhole(Buffer.concat([png, Buffer.from("x")]))).toEqual({ state: "not-an-image" });

    const jpegBytes = jpeg(10, 10, 100);
    expect(sniffWhole(jpegBytes)).toEqual({ state: "not-an-image" });
    expect(sniffWhole(Buffer.concat([jpegBytes, Buffer.from([0xff, 0xd9])]), 3)).toMatchObject({ state: "image" });

    const gif = wholeGif(1, 1);
    expect(sniffWhole(gif, 2)).toMatchObject({ state: "image", header: { width: 1, height: 1 } });
    expect(sniffWhole(gif.subarray(0, -1))).toEqual({ state: "not-an-image" });

    const webp = Buffer.alloc(40);
    webp.write("RIFF", 0, "latin1");
    webp.writeUInt32LE(32, 4);
    webp.write("WEBPVP8X", 8, "latin1");
    expect(sniffWhole(webp)).toMatchObject({ state: "image" });
    expect(sniffWhole(webp.subarray(0, 39))).toEqual({ state: "not-an-image" });
  });

  it("gives a GIF the dimensions of its largest frame, as soon as that frame is met", () => {
    const gif = wholeGif(65535, 65535);
    expect(sniffWhole(gif)).toMatchObject({ state: "image", header: { width: 65535, height: 65535 } });
    const sniffer = new ImageSniffer();
    const results = [...gif.subarray(0, -3)].map((byte) => sniffer.push(Buffer.from([byte])));
    expect(results.at(-1)).toMatchObject({ state: "image", header: { width: 65535, height: 65535 } });
  });
});
