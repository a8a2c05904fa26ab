import "./dom-globals.js";
import { NatterProvider, usePresence, useRoomMessages, useTRPC, useTyping, useUnread } from "@natter/react";
import { QueryClient, QueryClientProvider, useMutation, useQuery } from "@tanstack/react-query";
import { act, renderHook } from "@testing-library/react";
import { createElement, type ReactNode } from "react";
import { describe, expect, it, vi } from "vitest";
import { rest, signUpMany } from "../harness/index.js";
import { newRoom } from "../messages/room-fixtures.js";
import { hookTestServer, liveGauge, natterWrapper, reactClient, WAIT } from "./react-fixtures.js";

const METRICS_TOKEN = "react-lifecycle-metrics-token";

describe("@natter/react's subscriptions, cache and endings against a live server", () => {
  const server = hookTestServer({ config: { metricsToken: METRICS_TOKEN } });
  const { clients } = server;
  const gauge = (name: "natter_ws_subscriptions" | "natter_ws_connections") =>
    liveGauge(server.url, METRICS_TOKEN, name);

  it("under StrictMode opens each stream once for every hook, and unmounting closes them all and the socket", async () => {
    const [alice, bob] = await signUpMany(server.url, 2);
    const roomId = await newRoom(server.url, alice, { members: [bob] });
    expect(await gauge("natter_ws_subscriptions")).toBe(0);
    const client = reactClient(server.url, alice.token, clients);
    const { result, unmount } = renderHook(
      () => ({
        room: useRoomMessages(roomId),
        sameRoom: useRoomMessages(roomId),
        typing: useTyping(roomId),
        presence: usePresence(roomId),
        unread: useUnread(),
      }),
      { wrapper: natterWrapper(client), reactStrictMode: true },
    );
    await vi.waitFor(() => {
      expect(result.current.room.status).toBe("live");
      expect(result.current.presence.connected).toBe(true);
      expect(result.current.unread.status).toBe("live");
    }, WAIT);
    // The room's events (shared by both useRoomMessages), its signals, and the unread count's one joined room.
    expect(await gauge("natter_ws_subscriptions")).toBe(3);
    expect(await gauge("natter_ws_connections")).toBe(1);

    unmount();
    await vi.waitFor(async () => expect(await gauge("natter_ws_subscriptions")).toBe(0), WAIT);
    // The SDK closes its idle socket shortly after the last subscription ends.
    await vi.waitFor(async () => expect(await gauge("natter_ws_connections")).toBe(0), WAIT);
  });

  it("caches in the app's own QueryClient, where tRPC's queryOptions and mutationOptions work as usual", async () => {
    const [alice] = await signUpMany(server.url, 1);
    const roomId = await newRoom(server.url, alice);
    const client = reactClient(server.url, alice.token, clients);
    const appQueryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } });
    const wrapper = ({ children }: { children: ReactNode }) =>
      createElement(
        QueryClientProvider,
        { client: appQueryClient },
        createElement(NatterProvider, { client }, children),
      );
    const { result } = renderHook(
      () => {
        const trpc = useTRPC();
        return {
          trpc,
          rooms: useQuery(trpc.rooms.list.queryOptions({ scope: "joined" })),
          create: useMutation(trpc.rooms.create.mutationOptions()),
        };
      },
      { wrapper },
    );
    await vi.waitFor(() => expect(result.current.rooms.data?.rooms.map((room) => room.id)).toEqual([roomId]), WAIT);
    const key = result.current.trpc.rooms.list.queryKey({ scope: "joined" });
    expect(appQueryClient.getQueryData(key)).toEqual(result.current.rooms.data);

    const created = await act(() => result.current.create.mutateAsync({ name: "made with useMutation" }));
    await act(() => appQueryClient.invalidateQueries({ queryKey: result.current.trpc.rooms.list.queryKey() }));
    await vi.waitFor(
      () =>
        expect(result.current.rooms.data?.rooms.map((room) => room.id).sort()).toEqual(
          [roomId, created.room.id].sort(),
        ),
      WAIT,
    );
  });

  it("ends a room's messages when its reader is kicked", async () => {
    const [alice, bob] = await signUpMany(server.url, 2);
    const roomId = await newRoom(server.url, alice, { open: false, members: [bob] });
    const client = reactClient(server.url, bob.token, clients);
    const { result } = renderHook(() => useRoomMessages(roomId), { wrapper: natterWrapper(client) });
    await vi.waitFor(() => expect(result.current.status).toBe("live"), WAIT);
    const kick = await rest(server.url, "DELETE", `/rooms/${roomId}/members/${bob.id}`, { token: alice.token });
    expect(kick.status).toBe(200);
    await vi.waitFor(() => expect(result.current.status).toBe("ended"), WAIT);
  });
});
