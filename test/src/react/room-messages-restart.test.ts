import "./dom-globals.js";
import type { NatterClient } from "@natter/client";
import { useRoomMessages } from "@natter/react";
import { cleanup, renderHook } from "@testing-library/react";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type RestartableServer, signUpMany, startRestartableServer } from "../harness/index.js";
import { newRoom, send, wholeHistory } from "../messages/room-fixtures.js";
import { natterWrapper, reactClient, WAIT } from "./react-fixtures.js";

describe("useRoomMessages across a server restart", () => {
  let server: RestartableServer;
  const clients: NatterClient[] = [];

  beforeAll(async () => {
    server = await startRestartableServer();
  });
  afterAll(async () => {
    cleanup();
    await Promise.all(clients.map((client) => client.close()));
    await server.dispose();
  });

  it("says reconnecting while the server is down, then shows every message once, in order", async () => {
    const { url } = server;
    const [alice, bob] = await signUpMany(url, 2);
    const roomId = await newRoom(url, alice, { members: [bob] });
    const client = reactClient(url, alice.token, clients);
    const { result } = renderHook(() => useRoomMessages(roomId), { wrapper: natterWrapper(client) });
    for (let i = 0; i < 5; i++) await send(url, bob, roomId, `before ${i}`);
    await vi.waitFor(() => expect(result.current.messages.at(-1)?.body).toBe("before 4"), WAIT);
    expect(result.current.status).toBe("live");

    await server.close();
    await vi.waitFor(() => expect(result.current.status).toBe("reconnecting"), WAIT);
    await server.start();
    // Sent before the hook has reconnected, mostly: only the resume can deliver these.
    for (let i = 0; i < 5; i++) await send(url, bob, roomId, `after ${i}`);
    await vi.waitFor(() => expect(result.current.messages.at(-1)?.body).toBe("after 4"), WAIT);
    await vi.waitFor(() => expect(result.current.status).toBe("live"), WAIT);
    await send(url, bob, roomId, "live again");
    await vi.waitFor(() => expect(result.current.messages.at(-1)?.body).toBe("live again"), WAIT);

    const history = await wholeHistory(url, alice, roomId);
    expect(result.current.messages.map((message) => message.id)).toEqual(history.map((message) => message.id));
    expect(result.current.messages.map((message) => message.body)).toEqual([
      ...Array.from({ length: 5 }, (_, i) => `before ${i}`),
      ...Array.from({ length: 5 }, (_, i) => `after ${i}`),
      "live again",
    ]);
  });
});
