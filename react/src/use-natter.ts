import type { NatterClient } from "@natter/client";
import { useNatterContext } from "./natter-context.js";

/** The client given to `NatterProvider`: every procedure as `client.trpc.…`, sends, uploads, watches. */
export function useNatter(): NatterClient {
  return useNatterContext().client;
}
