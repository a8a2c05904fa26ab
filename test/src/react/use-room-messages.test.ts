import "./dom-globals.js";
import { isNatterError } from "@natter/client";
import { useRoomMessages, useSession } from "@natter/react";
import { act, renderHook } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import { rest, signUpMany } from "../harness/index.js";
import { newRoom, send, wholeHistory } from "../messages/room-fixtures.js";
import { startFlakyProxy } from "../sdk/flaky-proxy.js";
import { hookTestServer, liveSubscriptions, natterWrapper, reactClient, WAIT } from "./react-fixtures.js";

const METRICS_TOKEN = "react-hooks-metrics-token";

describe("useRoomMessages against a live server", () => {
  const server = hookTestServer({ config: { metricsToken: METRICS_TOKEN } });
  const { clients } = server;

  it("merges history and live messages in seq order while another client sends concurrently", async () => {
    const [alice, bob] = await signUpMany(server.url, 2);
    const roomId = await newRoom(server.url, alice, { members: [bob] });
    for (let i = 0; i < 30; i++) await send(server.url, bob, roomId, `old ${i}`);
    const client = reactClient(server.url, alice.token, clients);
    const { result } = renderHook(() => useRoomMessages(roomId, { pageSize: 20 }), {
      wrapper: natterWrapper(client),
    });
    expect(result.current.status).toBe("loading");
    // Bob keeps sending while the page loads and the stream opens.
    const sending = (async () => {
      for (let i = 0; i < 20; i++) await send(server.url, bob, roomId, `new ${i}`);
    })();
    await vi.waitFor(() => expect(result.current.status).toBe("live"), WAIT);
    await sending;
    await vi.waitFor(() => expect(result.current.messages.at(-1)?.body).toBe("new 19"), WAIT);

    const history = await wholeHistory(server.url, alice, roomId);
    const shown = result.current.messages;
    // Everything from the oldest message shown onward, once each, in seq order.
    const from = history.findIndex((message) => message.id === shown[0]?.id);
    expect(from).toBeGreaterThanOrEqual(0);
    expect(shown.map((message) => message.id)).toEqual(history.slice(from).map((message) => message.id));
    expect(result.current.hasOlder).toBe(true);
  });

  it("loads older pages until the first message, without a duplicate", async () => {
    const [alice] = await signUpMany(server.url, 1);
    const roomId = await newRoom(server.url, alice);
    for (let i = 0; i < 25; i++) await send(server.url, alice, roomId, `m${i}`);
    const client = reactClient(server.url, alice.token, clients);
    const { result } = renderHook(() => useRoomMessages(roomId, { pageSize: 10 }), { wrapper: natterWrapper(client) });
    await vi.waitFor(() => expect(result.current.messages).toHaveLength(10), WAIT);
    while (result.current.hasOlder) await act(() => result.current.loadOlder());
    expect(result.current.messages.map((message) => message.body)).toEqual(
      Array.from({ length: 25 }, (_, i) => `m${i}`),
    );
  });

  it("applies edits and deletions in place, and ends when the room is deleted", async () => {
    const [alice, bob] = await signUpMany(server.url, 2);
    const roomId = await newRoom(server.url, alice, { members: [bob] });
    const first = await send(server.url, bob, roomId, "first");
    const second = await send(server.url, bob, roomId, "second");
    const client = reactClient(server.url, alice.token, clients);
    const { result } = renderHook(() => useRoomMessages(roomId), { wrapper: natterWrapper(client) });
    await vi.waitFor(() => expect(result.current.status).toBe("live"), WAIT);

    const edit = await rest(server.url, "PATCH", `/rooms/${roomId}/messages/${first.id}`, {
      token: bob.token,
      body: { body: "first, edited" },
    });
    expect(edit.status).toBe(200);
    expect(
      (await rest(server.url, "DELETE", `/rooms/${roomId}/messages/${second.id}`, { token: bob.token })).status,
    ).toBe(200);
    await vi.waitFor(() => expect(result.current.messages[1]?.deletedAt).not.toBeNull(), WAIT);
    expect(result.current.messages.map((message) => [message.id, message.body])).toEqual([
      [first.id, "first, edited"],
      [second.id, null],
    ]);
    expect(result.current.messages[0]?.editedAt).not.toBeNull();

    expect((await rest(server.url, "DELETE", `/rooms/${roomId}`, { token: alice.token })).status).toBe(200);
    await vi.waitFor(() => expect(result.current.status).toBe("ended"), WAIT);
  });

  it("shows a send at once as pending, then the stored message under the same clientMessageId", async () => {
    const [alice] = await signUpMany(server.url, 1);
    const roomId = await newRoom(server.url, alice);
    const client = reactClient(server.url, alice.token, clients);
    const { result } = renderHook(() => ({ room: useRoomMessages(roomId), session: useSession() }), {
      wrapper: natterWrapper(client),
    });
    await vi.waitFor(() => expect(result.current.room.status).toBe("live"), WAIT);
    await vi.waitFor(() => expect(result.current.session.status).toBe("signedIn"), WAIT);

    let sent: Promise<unknown> = Promise.resolve();
    act(() => {
      sent = result.current.room.send("hello there");
    });
    const pending = result.current.room.messages.at(-1);
    expect(pending).toMatchObject({ body: "hello there", pending: true, authorId: alice.id });
    await act(() => sent);
    const stored = result.current.room.messages.at(-1);
    expect(stored).toMatchObject({ body: "hello there", clientMessageId: pending?.clientMessageId });
    expect(stored?.pending).toBeUndefined();
    expect(stored?.seq).toBeGreaterThan(0);
    // The live event of the same message arrives as well: still one entry.
    await vi.waitFor(async () => {
      const history = await wholeHistory(server.url, alice, roomId);
      expect(history.map((message) => message.id)).toEqual(result.current.room.messages.map((message) => message.id));
    }, WAIT);
  });

  it("marks a refused send failed with natter's error (403), and a retry is refused again", async () => {
    const [alice, bob] = await signUpMany(server.url, 2);
    const roomId = await newRoom(server.url, alice, { open: true });
    const client = reactClient(server.url, bob.token, clients);
    // Bob reads the open room without joining it: he may not write in it.
    const { result } = renderHook(() => useRoomMessages(roomId), { wrapper: natterWrapper(client) });
    await vi.waitFor(() => expect(result.current.status).toBe("live"), WAIT);
    await act(() => result.current.send("may I?"));
    const failed = result.current.messages.at(-1);
    expect(failed).toMatchObject({ body: "may I?", failed: true, pending: false });
    expect(isNatterError(failed?.error, "FORBIDDEN")).toBe(true);
    expect(result.current.messages).toHaveLength(1);

    await act(async () => {
      await result.current.retry(failed as NonNullable<typeof failed>);
    });
    expect(result.current.messages.at(-1)).toMatchObject({ failed: true });
    expect(await wholeHistory(server.url, alice, roomId)).toEqual([]);
  });

  it("marks a send failed when the network is cut, and retry sends it exactly once", async () => {
    const [alice] = await signUpMany(server.url, 1);
    const roomId = await newRoom(server.url, alice);
    const proxy = await startFlakyProxy(server.url, { dropChance: 1, seed: 7 });
    try {
      const client = reactClient(proxy.url, alice.token, clients);
      const { result } = renderHook(() => useRoomMessages(roomId), { wrapper: natterWrapper(client) });
      await vi.waitFor(() => expect(result.current.status).toBe("live"), WAIT);

      proxy.setDropping(true);
      await act(() => result.current.send("through the storm"));
      const failed = result.current.messages.at(-1);
      expect(failed).toMatchObject({ body: "through the storm", failed: true });
      expect(isNatterError(failed?.error)).toBe(false);

      proxy.setDropping(false);
      let retried: Promise<unknown> = Promise.resolve();
      act(() => {
        const message = failed as NonNullable<typeof failed>;
        retried = result.current.retry(message);
        // A second retry while the first is under way sends nothing more.
        void result.current.retry(message);
      });
      expect(result.current.messages.at(-1)).toMatchObject({ pending: true, failed: false });
      await act(() => retried);
      expect(result.current.messages.at(-1)).toMatchObject({
        body: "through the storm",
        clientMessageId: failed?.clientMessageId,
      });
      await vi.waitFor(() => expect(result.current.status).toBe("live"), WAIT);
      const history = await wholeHistory(server.url, alice, roomId);
      expect(history.map((message) => message.body)).toEqual(["through the storm"]);
      expect(result.current.messages.map((message) => message.id)).toEqual(history.map((message) => message.id));
    } finally {
      await proxy.close();
    }
  });

  it("opens one subscription per room under StrictMode, shared by two components, and none after unmount", async () => {
    const [alice] = await signUpMany(server.url, 1);
    const roomId = await newRoom(server.url, alice);
    await send(server.url, alice, roomId, "hi");
    expect(await liveSubscriptions(server.url, METRICS_TOKEN)).toBe(0);
    const client = reactClient(server.url, alice.token, clients);
    const { result, unmount } = renderHook(() => [useRoomMessages(roomId), useRoomMessages(roomId)], {
      wrapper: natterWrapper(client),
      reactStrictMode: true,
    });
    await vi.waitFor(() => expect(result.current[0]?.status).toBe("live"), WAIT);
    expect(result.current[1]?.messages.map((message) => message.body)).toEqual(["hi"]);
    expect(await liveSubscriptions(server.url, METRICS_TOKEN)).toBe(1);
    unmount();
    await vi.waitFor(async () => expect(await liveSubscriptions(server.url, METRICS_TOKEN)).toBe(0), WAIT);
  });
});
