import { isNatterError, isNetworkFailure } from "@natter/client";

/** What to tell a person about a failed call: natter's own message, or that the network is down. */
export function errorText(error: unknown): string {
  if (isNatterError(error)) {
    const { message, issues } = error.data.error;
    const details = issues?.map((issue) => `${issue.path}: ${issue.message}`).join("; ");
    return details ? `${message} (${details})` : message;
  }
  if (isNetworkFailure(error)) return "natter cannot be reached. Check your connection and try again.";
  return "Something went wrong. Try again.";
}
