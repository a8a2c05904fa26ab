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
    const gif = Buffer.alloc(32);
    gif.write("GIF89a", 0, "latin1");
    gif.writeUInt16LE(300, 6);
    gif.writeUInt16LE(200, 8);
    expect(sniff(gif)).toMatchObject({ header: { contentType: "image/gif", width: 300, height: 200 } });

    const webp = (kind: string, fill: (b: Buffer) => void) => {
      const b = Buffer.alloc(40);
      b.write("RIFF", 0, "latin1");
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
});
