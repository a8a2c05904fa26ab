import { isNatterError } from "@natter/client";
import { errorText } from "../failures/error-text.js";

/** Why an image could not be uploaded, in words: the refusals a person can act on are named. */
export function uploadErrorText(fileName: string, error: unknown): string {
  if (isNatterError(error, "UNSUPPORTED_MEDIA_TYPE"))
    return `${fileName} is not an image natter takes: send a PNG, JPEG, GIF or WebP.`;
  if (isNatterError(error, "PAYLOAD_TOO_LARGE")) return `${fileName} is too large. ${error.data.error.message}.`;
  if (isNatterError(error, "STORAGE_FULL"))
    return `${fileName} was not uploaded: the server has no room left for images. Tell its admin.`;
  if (isNatterError(error, "RATE_LIMITED")) {
    const seconds = error.data.error.retryAfterSeconds;
    const wait = seconds === undefined ? "later" : `in ${formatWait(seconds)}`;
    return `${fileName} was not uploaded: you have sent many images lately. Try again ${wait}.`;
  }
  return `${fileName} was not uploaded. ${errorText(error)}`;
}

function formatWait(seconds: number): string {
  if (seconds < 90) return `${Math.max(1, Math.ceil(seconds))} seconds`;
  return `${Math.ceil(seconds / 60)} minutes`;
}
