import { useState } from "preact/hooks";
import type { ChatSession } from "../chat/chat-session.js";
import { errorText } from "../failures/error-text.js";
import { ErrorLine } from "../failures/use-failure.js";
import { useObservable } from "../state/observable.js";
import { currentRoute, navigate, onLinkClick } from "../state/router.js";
import { AccountView } from "./account-view.js";
import { AdminView } from "./admin/admin-view.js";
import { ConnectionBanner } from "./connection-banner.js";
import { DiscoverView } from "./discover-view.js";
import { MyThreadsView } from "./my-threads-view.js";
import { NewRoomView } from "./new-room-view.js";
import { RoomList } from "./room-list.js";
import { RoomView } from "./room-view.js";
import { SearchBox } from "./search-box.js";
import { SearchView } from "./search-view.js";

/** The signed-in app: header, the joined rooms, and the screen the address names. */
export function ChatShell({ session }: { session: ChatSession }) {
  const route = useObservable(currentRoute);
  const outbox = useObservable(session.outbox.items);
  const notice = useObservable(session.notice);
  const [logOutError, setLogOutError] = useState<string | null>(null);

  const logOut = async () => {
    try {
      await session.client.logOut();
      navigate({ screen: "home" });
    } catch (error) {
      setLogOutError(errorText(error));
    }
  };

  return (
    <div class={`shell shell-${route.screen}`}>
      <a class="skip-link" href="#content">
        Skip to content
      </a>
      <header class="topbar">
        <a class="brand" href="/" onClick={onLinkClick({ screen: "home" })}>
          natter
        </a>
        {session.me.isAdmin && (
          <a
            href="/admin"
            onClick={onLinkClick({ screen: "admin" })}
            aria-current={route.screen === "admin" ? "page" : undefined}
          >
            Admin
          </a>
        )}
        <SearchBox key={route.screen === "search" ? route.q : ""} initial={route.screen === "search" ? route.q : ""} />
        <span class="whoami">
          Signed in as <strong>{session.me.username}</strong>
        </span>
        <a
          href="/account"
          onClick={onLinkClick({ screen: "account" })}
          aria-current={route.screen === "account" ? "page" : undefined}
        >
          Account
        </a>
        <button type="button" onClick={logOut}>
          Log out
        </button>
      </header>
      <ErrorLine error={logOutError} />
      <ConnectionBanner monitor={session.connection} waiting={outbox.length} />
      <div class="banner-slot" role="status">
        {notice && (
          <p class="banner banner-notice">
            {notice}{" "}
            <button type="button" class="small" onClick={() => session.notice.set(null)}>
              Dismiss
            </button>
          </p>
        )}
      </div>
      <div class="layout">
        <RoomList
          session={session}
          activeRoomId={route.screen === "room" ? route.roomId : null}
          threadsShown={route.screen === "my-threads"}
        />
        <main id="content" class="content" tabIndex={-1}>
          {route.screen === "room" && (
            <RoomView
              key={route.roomId}
              session={session}
              roomId={route.roomId}
              messageId={route.messageId}
              threadId={route.threadId}
            />
          )}
          {route.screen === "search" && <SearchView session={session} q={route.q} threadId={route.threadId} />}
          {route.screen === "discover" && <DiscoverView session={session} />}
          {route.screen === "my-threads" && <MyThreadsView session={session} />}
          {route.screen === "new-room" && <NewRoomView session={session} />}
          {route.screen === "admin" && <AdminView session={session} />}
          {route.screen === "account" && <AccountView session={session} />}
          {route.screen === "home" && (
            <section class="welcome">
              <h1>Welcome, {session.me.username}</h1>
              <p>Pick a room, find an open one to join, or start a new one.</p>
            </section>
          )}
        </main>
      </div>
    </div>
  );
}
