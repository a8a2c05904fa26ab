import { UploadRefusedError } from "@natter/client";
import { describe, expect, it } from "vitest";
import { uploadErrorText } from "./upload-error-text.js";

describe("uploadErrorText", () => {
  it("names the image types natter takes on a 415", () => {
    const refusal = new UploadRefusedError(415, {
      code: "UNSUPPORTED_MEDIA_TYPE",
      message: "Only PNG, JPEG, GIF and WebP images may be uploaded",
    });
    expect(uploadErrorText("notes.txt", refusal)).toBe(
      "notes.txt is not an image natter takes: send a PNG, JPEG, GIF or WebP.",
    );
  });

  it("passes natter's limit on for a 413", () => {
    const refusal = new UploadRefusedError(413, {
      code: "PAYLOAD_TOO_LARGE",
      message: "An upload may hold at most 1000 bytes",
    });
    expect(uploadErrorText("big.png", refusal)).toBe("big.png is too large. An upload may hold at most 1000 bytes.");
  });

  it("says when to try again after a 429", () => {
    const refusal = (retryAfterSeconds?: number) =>
      new UploadRefusedError(429, {
        code: "RATE_LIMITED",
        message: "Upload allowance used up; try again later",
        ...(retryAfterSeconds !== undefined && { retryAfterSeconds }),
      });
    expect(uploadErrorText("a.png", refusal(30))).toBe(
      "a.png was not uploaded: you have sent many images lately. Try again in 30 seconds.",
    );
    expect(uploadErrorText("a.png", refusal(1800))).toMatch(/Try again in 30 minutes\.$/);
    expect(uploadErrorText("a.png", refusal())).toMatch(/Try again later\.$/);
  });

  it("says the server is full on a 507", () => {
    const refusal = new UploadRefusedError(507, {
      code: "STORAGE_FULL",
      message: "The server's upload storage is full (at most 1000 bytes); ask an admin to make room",
    });
    expect(uploadErrorText("a.png", refusal)).toBe(
      "a.png was not uploaded: the server has no room left for images. Tell its admin.",
    );
  });
});
