import { NatterError } from "@natter/shared";

/**
 * Prints a refusal of natter's own (no such user, a name taken, a bad password) as one line
 * and answers exit code 1; anything else is rethrown, for the start-failure handler.
 */
export function describeNatterError(command: string, error: unknown): number {
  if (!(error instanceof NatterError)) throw error;
  const why = (error.details?.issues ?? []).map((issue) => `${issue.path}: ${issue.message}`).join("; ");
  console.error(`natter ${command}: ${error.message}${why ? ` (${why})` : ""} [${error.code}]`);
  return 1;
}
