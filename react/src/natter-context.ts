import type { NatterClient } from "@natter/client";
import type { QueryClient } from "@tanstack/react-query";
import { createContext, useContext } from "react";
import type { NatterStores } from "./natter-stores.js";
import type { NatterTRPC } from "./natter-trpc.js";

/** What `NatterProvider` gives the hooks below it. */
export interface NatterContextValue {
  client: NatterClient;
  queryClient: QueryClient;
  trpc: NatterTRPC;
  stores: NatterStores;
}

export const NatterContext = createContext<NatterContextValue | null>(null);

/** The provider's value; throws when a hook is used outside `NatterProvider`. */
export function useNatterContext(): NatterContextValue {
  const value = useContext(NatterContext);
  if (!value) throw new Error("natter: hooks of @natter/react need a <NatterProvider> above them");
  return value;
}
