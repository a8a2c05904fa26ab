import "./dom-globals.js";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { WebSocket } from "ws";
import { signUpMany, startTestServer, type TestServer } from "../harness/index.js";
import { newRoom, send, wholeHistory } from "../messages/room-fixtures.js";
import { bundleHooks } from "./hook-bundle.js";
import { liveGauge, WAIT } from "./react-fixtures.js";

/** What the React 18 bundle exports: @natter/react with React 18, react-dom 18 and Testing Library. */
const ENTRY = `
export { act, cleanup, renderHook } from "@testing-library/react";
export { createElement, version } from "react";
export { version as domVersion } from "react-dom";
export { QueryClient } from "@tanstack/react-query";
export { createNatterClient, isNatterError } from "@natter/client";
export { NatterProvider, useRoomMessages, useSession, useUnread } from "@natter/react";
`;
type Hooks18 = typeof import("@testing-library/react") &
  typeof import("@natter/react") &
  Pick<typeof import("@natter/client"), "createNatterClient" | "isNatterError"> &
  Pick<typeof import("@tanstack/react-query"), "QueryClient"> &
  Pick<typeof import("react"), "createElement" | "version"> & { domVersion: string };

const METRICS_TOKEN = "react-18-metrics-token";
// Updates from the live server come outside act() by nature, and the tests wait on what renders:
// React 18 would warn of each one. Testing Library's act() still turns the flag on while it runs.
(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = false;

/**
 * The key hook tests again on React 18 (the workspace's React is 19): @natter/react built
 * from source into one bundle with React 18, react-dom 18 and Testing Library, against a real
 * server.
 */
describe("@natter/react on React 18 against a live server", () => {
  let server: TestServer;
  let dir: string;
  let r: Hooks18;
  const clients: { close(): Promise<void> }[] = [];
  const gauge = (name: "natter_ws_subscriptions" | "natter_ws_connections") =>
    liveGauge(server.url, METRICS_TOKEN, name);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "natter-react18-"));
    const file = join(dir, "hooks-18.mjs");
    writeFileSync(file, await bundleHooks(ENTRY, "react18-node"));
    [server, r] = await Promise.all([
      startTestServer({ config: { metricsToken: METRICS_TOKEN } }),
      import(pathToFileURL(file).href) as Promise<Hooks18>,
    ]);
  }, 60_000);
  afterEach(async () => {
    r?.cleanup();
    // Each test's clients go with it: the socket counts of the next start from zero.
    await Promise.all(clients.splice(0).map((client) => client.close()));
  });
  afterAll(async () => {
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** A client on `ws`, under a provider of React 18's tree. */
  const wrapperFor = (token: string) => {
    const client = r.createNatterClient({
      url: server.url,
      token,
      WebSocket: WebSocket as unknown as NonNullable<Parameters<Hooks18["createNatterClient"]>[0]["WebSocket"]>,
    });
    clients.push(client);
    const queryClient = new r.QueryClient({ defaultOptions: { queries: { retry: false } } });
    return ({ children }: { children: unknown }) =>
      r.createElement(r.NatterProvider, { client, queryClient }, children as never);
  };

  it("runs React 18 and react-dom 18", () => {
    expect(r.version).toMatch(/^18\./);
    expect(r.domVersion).toMatch(/^18\./);
  });

  it("merges history and a concurrent sender's messages in seq order, and shows a send at once, then stored", async () => {
    const [alice, bob] = await signUpMany(server.url, 2);
    const roomId = await newRoom(server.url, alice, { members: [bob] });
    for (let i = 0; i < 15; i++) await send(server.url, bob, roomId, `old ${i}`);
    const { result } = r.renderHook(
      () => ({ room: r.useRoomMessages(roomId, { pageSize: 10 }), session: r.useSession() }),
      {
        wrapper: wrapperFor(alice.token),
      },
    );
    expect(result.current.room.status).toBe("loading");
    const sending = (async () => {
      for (let i = 0; i < 10; i++) await send(server.url, bob, roomId, `new ${i}`);
    })();
    await vi.waitFor(() => expect(result.current.room.status).toBe("live"), WAIT);
    await sending;
    await vi.waitFor(() => expect(result.current.session.status).toBe("signedIn"), WAIT);

    let sent: Promise<unknown> = Promise.resolve();
    r.act(() => {
      sent = result.current.room.send("from React 18");
    });
    const pending = result.current.room.messages.at(-1);
    expect(pending).toMatchObject({ body: "from React 18", pending: true, authorId: alice.id });
    await r.act(() => sent);
    expect(result.current.room.messages.at(-1)).toMatchObject({
      body: "from React 18",
      clientMessageId: pending?.clientMessageId,
    });
    expect(result.current.room.messages.at(-1)?.pending).toBeUndefined();

    const history = await wholeHistory(server.url, alice, roomId);
    await vi.waitFor(() => {
      const shown = result.current.room.messages;
      const from = history.findIndex((message) => message.id === shown[0]?.id);
      expect(from).toBeGreaterThanOrEqual(0);
      expect(shown.map((message) => message.id)).toEqual(history.slice(from).map((message) => message.id));
    }, WAIT);
    expect(result.current.room.hasOlder).toBe(true);
  });

  it("marks a refused send (403) failed, and its retry is refused once more", async () => {
    const [alice, bob] = await signUpMany(server.url, 2);
    const roomId = await newRoom(server.url, alice, { open: true });
    const { result } = r.renderHook(() => r.useRoomMessages(roomId), { wrapper: wrapperFor(bob.token) });
    await vi.waitFor(() => expect(result.current.status).toBe("live"), WAIT);
    await r.act(() => result.current.send("may I?"));
    const failed = result.current.messages.at(-1);
    expect(failed).toMatchObject({ body: "may I?", failed: true, pending: false });
    expect(r.isNatterError(failed?.error, "FORBIDDEN")).toBe(true);
    await r.act(async () => {
      await result.current.retry(failed as NonNullable<typeof failed>);
    });
    expect(result.current.messages).toHaveLength(1);
    expect(result.current.messages[0]).toMatchObject({ failed: true });
    expect(await wholeHistory(server.url, alice, roomId)).toEqual([]);
  });

  it("under StrictMode opens each stream once, and unmounting closes every subscription and the socket", async () => {
    const [alice, bob] = await signUpMany(server.url, 2);
    const roomId = await newRoom(server.url, alice, { members: [bob] });
    await send(server.url, bob, roomId, "hi");
    await vi.waitFor(async () => {
      expect(await gauge("natter_ws_subscriptions")).toBe(0);
      expect(await gauge("natter_ws_connections")).toBe(0);
    }, WAIT);
    const { result, unmount } = r.renderHook(
      () => ({ room: r.useRoomMessages(roomId), sameRoom: r.useRoomMessages(roomId), unread: r.useUnread() }),
      { wrapper: wrapperFor(alice.token), reactStrictMode: true },
    );
    await vi.waitFor(() => {
      expect(result.current.room.status).toBe("live");
      expect(result.current.unread.status).toBe("live");
    }, WAIT);
    expect(result.current.sameRoom.messages.map((message) => message.body)).toEqual(["hi"]);
    expect(result.current.unread.rooms[roomId]).toEqual({ unread: 1, mentions: 0 });
    // The room's events, shared by both hooks, and the unread count's one joined room.
    expect(await gauge("natter_ws_subscriptions")).toBe(2);
    expect(await gauge("natter_ws_connections")).toBe(1);

    unmount();
    await vi.waitFor(async () => expect(await gauge("natter_ws_subscriptions")).toBe(0), WAIT);
    await vi.waitFor(async () => expect(await gauge("natter_ws_connections")).toBe(0), WAIT);
  });
});
