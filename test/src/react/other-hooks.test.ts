import "./dom-globals.js";
import { usePresence, useSession, useTyping, useUnread } from "@natter/react";
import { act, renderHook } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import { rest, signUpMany } from "../harness/index.js";
import { newRoom, send } from "../messages/room-fixtures.js";
import {
  answeredCalls,
  hookTestServer,
  liveSubscriptions,
  natterWrapper,
  reactClient,
  WAIT,
} from "./react-fixtures.js";

const METRICS_TOKEN = "react-other-hooks-metrics-token";

describe("useUnread, useTyping, usePresence and useSession against a live server", () => {
  const server = hookTestServer({ config: { metricsToken: METRICS_TOKEN } });
  const { clients } = server;

  it("counts unread messages and mentions live, takes back a deleted one, and clears on markRead", async () => {
    const [alice, bob] = await signUpMany(server.url, 2);
    const roomId = await newRoom(server.url, alice, { members: [bob] });
    await send(server.url, alice, roomId, "before bob looked");
    const client = reactClient(server.url, bob.token, clients);
    const { result } = renderHook(() => useUnread(), { wrapper: natterWrapper(client) });
    await vi.waitFor(() => expect(result.current.status).toBe("live"), WAIT);
    expect(result.current.rooms[roomId]).toEqual({ unread: 1, mentions: 0 });

    await send(server.url, alice, roomId, `hello @${bob.username}`);
    const plain = await send(server.url, alice, roomId, "just talking");
    await send(server.url, bob, roomId, "bob's own message counts for nobody");
    await vi.waitFor(() => expect(result.current.rooms[roomId]).toEqual({ unread: 3, mentions: 1 }), WAIT);
    expect(result.current).toMatchObject({ total: 3, mentions: 1 });

    expect(
      (await rest(server.url, "DELETE", `/rooms/${roomId}/messages/${plain.id}`, { token: alice.token })).status,
    ).toBe(200);
    await vi.waitFor(() => expect(result.current.rooms[roomId]).toEqual({ unread: 2, mentions: 1 }), WAIT);

    await act(() => result.current.markRead(roomId));
    expect(result.current.rooms[roomId]).toEqual({ unread: 0, mentions: 0 });
    await act(() => result.current.refresh());
    expect(result.current.rooms[roomId]).toEqual({ unread: 0, mentions: 0 });
  });

  it("counts every joined room over one inbox subscription, and follows rooms gained and lost without a refresh", async () => {
    const [alice, bob, carol] = await signUpMany(server.url, 3);
    const first = await newRoom(server.url, alice, { members: [bob] });
    const second = await newRoom(server.url, carol, { members: [bob] });
    const client = reactClient(server.url, bob.token, clients);
    const { result } = renderHook(() => useUnread(), { wrapper: natterWrapper(client) });
    await vi.waitFor(() => expect(result.current.status).toBe("live"), WAIT);
    expect(result.current.rooms).toEqual({ [first]: { unread: 0, mentions: 0 }, [second]: { unread: 0, mentions: 0 } });

    // Added by alice after the counts were read: the room comes in by bob's inbox, its messages count.
    const added = await newRoom(server.url, alice, { members: [bob] });
    await vi.waitFor(() => expect(result.current.rooms[added]).toEqual({ unread: 0, mentions: 0 }), WAIT);
    const dm = await rest(server.url, "POST", "/dms", { token: carol.token, body: { userId: bob.id } });
    expect(dm.status).toBe(201);
    const dmId: string = dm.body.room.id;
    await send(server.url, alice, added, `@${bob.username} look`);
    await send(server.url, carol, dmId, "hi bob");
    await send(server.url, carol, second, "and here");
    await vi.waitFor(
      () =>
        expect(result.current).toMatchObject({
          rooms: {
            [first]: { unread: 0, mentions: 0 },
            [second]: { unread: 1, mentions: 0 },
            [added]: { unread: 1, mentions: 1 },
            [dmId]: { unread: 1, mentions: 0 },
          },
          total: 3,
          mentions: 1,
        }),
      WAIT,
    );
    // Four rooms, one stream: the inbox, not a watch per room.
    await vi.waitFor(async () => expect(await liveSubscriptions(server.url, METRICS_TOKEN)).toBe(1), WAIT);

    // Kicked: the room and its count go.
    expect((await rest(server.url, "DELETE", `/rooms/${added}/members/${bob.id}`, { token: alice.token })).status).toBe(
      200,
    );
    await vi.waitFor(() => expect(result.current.rooms[added]).toBeUndefined(), WAIT);
    expect(result.current).toMatchObject({ total: 2, mentions: 0 });
  });

  it("shows who is here and who else is typing, and says so once per draft", async () => {
    const [alice, bob] = await signUpMany(server.url, 2);
    const roomId = await newRoom(server.url, alice, { members: [bob] });
    const aliceClient = reactClient(server.url, alice.token, clients);
    const bobClient = reactClient(server.url, bob.token, clients);
    const hooks = () => ({ typing: useTyping(roomId), presence: usePresence(roomId), session: useSession() });
    const aliceView = renderHook(hooks, { wrapper: natterWrapper(aliceClient) });
    await vi.waitFor(() => expect(aliceView.result.current.session.status).toBe("signedIn"), WAIT);
    await vi.waitFor(
      () => expect(aliceView.result.current.presence.present.map((user) => user.userId)).toEqual([alice.id]),
      WAIT,
    );
    const bobView = renderHook(hooks, { wrapper: natterWrapper(bobClient) });
    await vi.waitFor(
      () =>
        expect(aliceView.result.current.presence.present.map((user) => user.userId).sort()).toEqual(
          [alice.id, bob.id].sort(),
        ),
      WAIT,
    );
    await vi.waitFor(() => expect(bobView.result.current.presence.connected).toBe(true), WAIT);

    act(() => {
      bobView.result.current.typing.notifyTyping();
      bobView.result.current.typing.notifyTyping();
    });
    await vi.waitFor(
      () => expect(aliceView.result.current.typing.typing.map((user) => user.username)).toEqual([bob.username]),
      WAIT,
    );
    // Two keystrokes of one draft: one call (both were made before the first was answered).
    const typingCalls = () => answeredCalls(server.url, METRICS_TOKEN, "rooms.typing");
    await vi.waitFor(async () => expect(await typingCalls()).toBeGreaterThan(0), WAIT);
    expect(await typingCalls()).toBe(1);
    // Bob sees nobody typing: himself left out.
    await vi.waitFor(() => expect(bobView.result.current.session.status).toBe("signedIn"), WAIT);
    expect(bobView.result.current.typing.typing).toEqual([]);

    bobView.unmount();
    await vi.waitFor(
      () => expect(aliceView.result.current.presence.present.map((user) => user.userId)).toEqual([alice.id]),
      WAIT,
    );
  });

  it("signs up, follows the token, and signs out", async () => {
    const client = reactClient(server.url, null, clients);
    const { result } = renderHook(() => useSession(), { wrapper: natterWrapper(client) });
    expect(result.current).toMatchObject({ status: "signedOut", user: null });
    const username = `react${Date.now().toString(36)}`;
    await act(() => result.current.signUp(username, "correct horse battery"));
    await vi.waitFor(() => expect(result.current.status).toBe("signedIn"), WAIT);
    expect(result.current.user?.username).toBe(username);
    await act(() => result.current.logOut());
    expect(result.current).toMatchObject({ status: "signedOut", user: null });
    expect(client.token).toBeNull();
  });
});
