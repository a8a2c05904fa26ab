import { type AuthResult, isNatterError, type User } from "@natter/client";
import { useQuery } from "@tanstack/react-query";
import { useCallback, useEffect, useMemo, useSyncExternalStore } from "react";
import { useNatterContext } from "./natter-context.js";

/** `loading` while the user of a kept token is fetched (and on a server), then signed in or out. */
export type SessionStatus = "loading" | "signedIn" | "signedOut";

export interface Session {
  /** The signed-in user; null while loading and when signed out. */
  user: User | null;
  status: SessionStatus;
  /** Creates an account and signs in as it; a refusal rejects with natter's error (`USERNAME_TAKEN`…). */
  signUp(username: string, password: string): Promise<AuthResult>;
  /** Signs in; a wrong name or password rejects with `INVALID_CREDENTIALS`. */
  logIn(username: string, password: string): Promise<AuthResult>;
  /** Ends the session on the server; if it cannot be reached, rejects and stays signed in. */
  logOut(): Promise<void>;
}

/** The signed-in user, kept in step with the client's token (a session ended elsewhere signs out). */
export function useSession(): Session {
  const { client, queryClient, trpc } = useNatterContext();
  const token = useSyncExternalStore(
    client.onTokenChange,
    () => client.token,
    () => client.token,
  );
  const me = useQuery({
    ...trpc.users.me.queryOptions(),
    enabled: token !== null,
    staleTime: Number.POSITIVE_INFINITY,
  });
  const refused = me.error !== null && isNatterError(me.error, "UNAUTHENTICATED");

  // A kept token the server no longer knows: forget it.
  useEffect(() => {
    if (refused && client.token === token) client.setToken(null);
  }, [refused, client, token]);

  const signedIn = useCallback(
    async (result: AuthResult) => {
      await queryClient.fetchQuery(trpc.users.me.queryOptions());
      return result;
    },
    [queryClient, trpc],
  );
  const signUp = useCallback(
    (username: string, password: string) => client.signUp(username, password).then(signedIn),
    [client, signedIn],
  );
  const logIn = useCallback(
    (username: string, password: string) => client.logIn(username, password).then(signedIn),
    [client, signedIn],
  );
  const logOut = useCallback(() => client.logOut(), [client]);

  const user = token !== null ? (me.data?.user ?? null) : null;
  const status: SessionStatus = token === null || refused ? "signedOut" : user ? "signedIn" : "loading";
  return useMemo(() => ({ user, status, signUp, logIn, logOut }), [user, status, signUp, logIn, logOut]);
}
