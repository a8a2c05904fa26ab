import type { AppRouter } from "@natter/client";
import type { TRPCOptionsProxy } from "@trpc/tanstack-react-query";
import { useNatterContext } from "./natter-context.js";

/** Every procedure as TanStack Query options: `trpc.rooms.list.queryOptions({ scope: "joined" })`. */
export type NatterTRPC = TRPCOptionsProxy<AppRouter>;

/**
 * natter's procedures through tRPC's own TanStack Query integration:
 * `useQuery(trpc.rooms.list.queryOptions({ scope: "joined" }))`,
 * `useMutation(trpc.rooms.create.mutationOptions())`, `trpc.rooms.list.queryKey()` to invalidate.
 */
export function useTRPC(): NatterTRPC {
  return useNatterContext().trpc;
}
