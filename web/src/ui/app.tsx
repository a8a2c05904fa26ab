import { isNatterError, type NatterClient } from "@natter/client";
import { useEffect, useState } from "preact/hooks";
import { ChatSession } from "../chat/chat-session.js";
import { type Observable, useObservable } from "../state/observable.js";
import { AuthScreen } from "./auth-screen.js";
import { ChatShell } from "./chat-shell.js";

/** Signed out: the sign-in screen. Signed in: the chat, restored from the kept token after a reload. */
export function App({ client, token }: { client: NatterClient; token: Observable<string | null> }) {
  const currentToken = useObservable(token);
  const [session, setSession] = useState<ChatSession | null>(null);
  const [failure, setFailure] = useState<string | null>(null);

  useEffect(() => {
    if (currentToken === null) return;
    let cancelled = false;
    let started: ChatSession | undefined;
    setFailure(null);
    const connect = async () => {
      try {
        const { user } = await client.trpc.users.me.query();
        if (cancelled) return;
        started = new ChatSession(client, user);
        await started.start();
        if (!cancelled) setSession(started);
      } catch (error) {
        if (cancelled) return;
        if (isNatterError(error, "UNAUTHENTICATED")) client.setToken(null);
        else setFailure("natter cannot be reached right now. It will try again when you reload.");
      }
    };
    void connect();
    return () => {
      cancelled = true;
      started?.dispose();
      setSession(null);
    };
  }, [client, currentToken]);

  if (currentToken === null) return <AuthScreen client={client} />;
  if (session) return <ChatShell session={session} />;
  return (
    <main class="loading" aria-busy={failure === null}>
      <p role="status">{failure ?? "Loading your rooms…"}</p>
    </main>
  );
}
