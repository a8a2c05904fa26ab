import type { NatterClient, User } from "@natter/client";
import { QueryClient, QueryClientContext, QueryClientProvider } from "@tanstack/react-query";
import { createTRPCOptionsProxy } from "@trpc/tanstack-react-query";
import { createElement, type ReactNode, useContext, useEffect, useMemo, useState } from "react";
import { NatterContext, type NatterContextValue } from "./natter-context.js";
import { NatterStores } from "./natter-stores.js";

export interface NatterProviderProps {
  /** The client from `createNatterClient`; one per app. */
  client: NatterClient;
  /**
   * The TanStack Query client to cache in. Defaults to the app's own (a `QueryClientProvider`
   * above), or else one the provider makes.
   */
  queryClient?: QueryClient;
  children?: ReactNode;
}

/**
 * Gives the hooks of @natter/react their client, cache and live state. Renders on a server
 * too: nothing connects until a component mounts in the browser (or app).
 */
export function NatterProvider({ client, queryClient: given, children }: NatterProviderProps) {
  const appQueryClient = useContext(QueryClientContext);
  const [ownQueryClient] = useState(() => (given || appQueryClient ? undefined : new QueryClient()));
  const queryClient = (given ?? appQueryClient ?? ownQueryClient) as QueryClient;

  const value = useMemo<NatterContextValue>(() => {
    const trpc = createTRPCOptionsProxy({ client: client.trpc, queryClient });
    const userId = () => queryClient.getQueryData<{ user: User }>(trpc.users.me.queryKey())?.user.id;
    return { client, queryClient, trpc, stores: new NatterStores(client, userId) };
  }, [client, queryClient]);

  // Another session's cached answers must not show: a new token drops everything tRPC cached.
  useEffect(
    () =>
      client.onTokenChange(() => queryClient.removeQueries({ predicate: (query) => Array.isArray(query.queryKey[0]) })),
    [client, queryClient],
  );

  const tree = createElement(NatterContext.Provider, { value }, children);
  return appQueryClient === queryClient ? tree : createElement(QueryClientProvider, { client: queryClient }, tree);
}
