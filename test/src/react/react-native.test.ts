import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { rest, signUpMany, startTestServer, type TestServer } from "../harness/index.js";
import { newRoom, send, wholeHistory } from "../messages/room-fixtures.js";
import { bundleHooks } from "./hook-bundle.js";
import { liveGauge, WAIT } from "./react-fixtures.js";
import { type GlobalLookup, runAsReactNative } from "./react-native-runtime.js";

/**
 * What the app bundle exports: @natter/react (from source) with React 18 and
 * react-test-renderer, the renderer React Native's own test setup renders with; it draws
 * nothing, so no DOM is in play anywhere.
 */
const ENTRY = `
export { createElement, StrictMode } from "react";
export { create } from "react-test-renderer";
export { createNatterClient } from "@natter/client";
export { NatterProvider, usePresence, useRoomMessages, useSession, useTyping, useUnread } from "@natter/react";
`;
type NativeApp = Pick<typeof import("react"), "createElement" | "StrictMode"> &
  Pick<typeof import("@natter/client"), "createNatterClient"> &
  typeof import("@natter/react") & {
    create(
      element: unknown,
      options: { unstable_isConcurrent: boolean },
    ): { unmount(): void; toJSON(): { children: string[] | null } | null };
  };

const METRICS_TOKEN = "react-native-metrics-token";
/** natter's own modules in the bundle, as esbuild names them. */
const NATTER_MODULE = /(^|\/)(react|client-sdk)\/src\//;

/**
 * @natter/react as a React Native app runs it: bundled as Metro would (the `react-native`
 * export condition, no Node built-ins) and run with React Native's globals only — fetch and a
 * WebSocket, timers, no `document`, no `window.addEventListener`, no storage — against a real
 * server, rendered under StrictMode on a concurrent root, as the new architecture renders.
 * Every global the run looks up is recorded with the module that looked it up.
 */
describe("@natter/react with React Native's globals only", () => {
  let server: TestServer;
  let app: NativeApp;
  let lookups: Map<string, GlobalLookup>;

  beforeAll(async () => {
    let bundle: string;
    [server, bundle] = await Promise.all([
      startTestServer({ config: { metricsToken: METRICS_TOKEN } }),
      bundleHooks(ENTRY, "react-native"),
    ]);
    ({ exports: app, lookups } = runAsReactNative<NativeApp>(bundle));
  }, 60_000);
  afterAll(() => server?.stop());

  it("keeps a room live, sends, and closes every subscription on unmount, touching no DOM API", async () => {
    const gauge = (name: "natter_ws_subscriptions" | "natter_ws_connections") =>
      liveGauge(server.url, METRICS_TOKEN, name);
    const [alice, bob] = await signUpMany(server.url, 2);
    const roomId = await newRoom(server.url, alice, { members: [bob] });
    for (let i = 0; i < 3; i++) await send(server.url, bob, roomId, `before ${i}`);

    // No WebSocket passed: the client takes the global one, as in a React Native app.
    const client = app.createNatterClient({ url: server.url, token: alice.token });
    let hooks:
      | {
          room: ReturnType<NativeApp["useRoomMessages"]>;
          typing: ReturnType<NativeApp["useTyping"]>;
          presence: ReturnType<NativeApp["usePresence"]>;
          unread: ReturnType<NativeApp["useUnread"]>;
          session: ReturnType<NativeApp["useSession"]>;
        }
      | undefined;
    const current = () => hooks as NonNullable<typeof hooks>;
    function Room() {
      hooks = {
        room: app.useRoomMessages(roomId),
        typing: app.useTyping(roomId),
        presence: app.usePresence(roomId),
        unread: app.useUnread(),
        session: app.useSession(),
      };
      return app.createElement("Text", null, `${hooks.room.status}: ${hooks.room.messages.length} messages`);
    }
    const tree = app.create(
      app.createElement(
        app.StrictMode,
        null,
        app.createElement(app.NatterProvider, { client }, app.createElement(Room)),
      ),
      { unstable_isConcurrent: true },
    );
    await vi.waitFor(() => {
      expect(current().room.status).toBe("live");
      expect(current().presence.connected).toBe(true);
      expect(current().unread.status).toBe("live");
      expect(current().session.status).toBe("signedIn");
    }, WAIT);
    expect(tree.toJSON()?.children).toEqual(["live: 3 messages"]);
    expect(current().unread.rooms[roomId]).toEqual({ unread: 3, mentions: 0 });
    // The room's events, its signals, the unread count's one room: once each under StrictMode.
    expect(await gauge("natter_ws_subscriptions")).toBe(3);

    // Alice sends from the app while Bob sends from elsewhere and types.
    const mine = current().room.send("from the phone");
    await Promise.all([mine, send(server.url, bob, roomId, "from the web")]);
    const typed = await rest(server.url, "POST", `/rooms/${roomId}/typing`, { token: bob.token });
    expect(typed.status).toBeLessThan(300);
    await vi.waitFor(() => {
      expect(current().room.messages.filter((message) => message.pending)).toEqual([]);
      expect(current().room.messages).toHaveLength(5);
      expect(current().typing.typing.map((user) => user.userId)).toEqual([bob.id]);
    }, WAIT);
    expect((await mine).clientMessageId).toBeDefined();
    const history = await wholeHistory(server.url, alice, roomId);
    expect(current().room.messages.map((message) => message.id)).toEqual(history.map((message) => message.id));
    expect(current().unread.rooms[roomId]?.unread).toBe(4);

    tree.unmount();
    await vi.waitFor(async () => {
      expect(await gauge("natter_ws_subscriptions")).toBe(0);
      expect(await gauge("natter_ws_connections")).toBe(0);
    }, WAIT);
    await client.close();

    const byNatter = [...lookups.values()].filter((lookup) => NATTER_MODULE.test(lookup.module));
    // natter's own code asked for nothing React Native lacks but the Web Crypto API, which it
    // probes and does without (React Native has none unless the app adds a polyfill).
    expect(byNatter.filter((lookup) => !lookup.present).map((lookup) => lookup.name)).toEqual(["crypto"]);
    // It reached the network through React Native's globals.
    expect(new Set(byNatter.map((lookup) => lookup.name))).toContain("WebSocket");
    if (process.env.NATTER_SHOW_GLOBALS) console.log([...lookups.values()]);
  });
});
