import {
  createTRPCClient,
  createWSClient,
  httpBatchLink,
  httpBatchStreamLink,
  httpLink,
  httpSubscriptionLink,
  splitLink,
  TRPCClientError,
  type TRPCLink,
  wsLink,
} from "@trpc/client";
import { EventSource } from "eventsource";
import type { AppRouter } from "natter";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import WebSocket from "ws";
import { createRoom, rest, signUp, startTestServer, type TestServer, type TestUser } from "../harness/index.js";
import { startCuttableProxy } from "./cuttable-proxy.js";

/** How long a live event may take on a loaded 2-core machine. */
const SLOW_MACHINE = { timeout: 20_000, interval: 20 };

/**
 * Every link of `@trpc/client` against natter, as a TypeScript app would wire it: each one
 * carries queries, mutations and natter's errors (code and body), and the WebSocket link
 * carries subscriptions with connection params, reconnects and resumes after the last event.
 */
describe("@trpc/client's links against natter", () => {
  let server: TestServer;
  let alice: TestUser;
  let roomId: string;

  beforeAll(async () => {
    server = await startTestServer();
    alice = await signUp(server.url);
    roomId = (await createRoom(server.url, alice.token)).id;
  });
  afterAll(() => server?.stop());

  const headers = () => ({ authorization: `Bearer ${alice.token}` });
  const httpLinks: Record<string, () => TRPCLink<AppRouter>> = {
    httpLink: () => httpLink({ url: `${server.url}/trpc`, headers }),
    httpBatchLink: () => httpBatchLink({ url: `${server.url}/trpc`, headers }),
    httpBatchStreamLink: () => httpBatchStreamLink({ url: `${server.url}/trpc`, headers }),
  };

  for (const [name, link] of Object.entries(httpLinks)) {
    it(`${name}: queries, mutations and natter's errors`, async () => {
      const client = createTRPCClient<AppRouter>({ links: [link()] });
      const [me, room] = await Promise.all([client.users.me.query(), client.rooms.get.query({ roomId })]);
      expect(me.user.id).toBe(alice.id);
      expect(room.room.id).toBe(roomId);
      const sent = await client.messages.send.mutate({ roomId, body: `over ${name}` });
      expect(sent.message.body).toBe(`over ${name}`);
      const refusal = await client.rooms.get.query({ roomId: crypto.randomUUID() }).catch((error: unknown) => error);
      expect(refusal).toBeInstanceOf(TRPCClientError);
      expect((refusal as TRPCClientError<AppRouter>).data).toMatchObject({
        code: "NOT_FOUND",
        httpStatus: 404,
        error: { code: "ROOM_NOT_FOUND" },
      });
    });
  }

  it("splitLink: subscriptions over wsLink (connection params), the rest over httpBatchLink", async () => {
    const socket = createWSClient({
      url: `${server.url.replace(/^http/, "ws")}/trpc`,
      WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
      connectionParams: { token: alice.token },
    });
    const client = createTRPCClient<AppRouter>({
      links: [
        splitLink({
          condition: (op) => op.type === "subscription",
          true: wsLink({ client: socket }),
          false: httpBatchLink({ url: `${server.url}/trpc`, headers }),
        }),
      ],
    });
    try {
      const seen: string[] = [];
      const subscription = client.rooms.events.subscribe(
        { roomId },
        {
          onStarted: () => void seen.push("started"),
          onData: ({ data }) => void (data.type === "message.created" && seen.push(data.message.body ?? "")),
        },
      );
      // A subscription without a last event id streams what happens from its start on.
      await vi.waitFor(() => expect(seen).toEqual(["started"]), SLOW_MACHINE);
      await client.messages.send.mutate({ roomId, body: "split" });
      await vi.waitFor(() => expect(seen).toContain("split"), SLOW_MACHINE);
      subscription.unsubscribe();
    } finally {
      socket.close();
    }
  });

  /**
   * Subscribes over tRPC's SSE link through a proxy that can cut it, sends a message, cuts the
   * connection, sends another: both arrive, once each, the second after tRPC resumed from the
   * last id it was given. `subscribe` answers the text each entry carries (undefined: another kind).
   */
  const resumesAcrossCut = async (
    token: string,
    subscribe: (
      client: ReturnType<typeof createTRPCClient<AppRouter>>,
      handlers: { onStarted(): void; onData(entry: { id: string; text: string | undefined }): void },
    ) => { unsubscribe(): void },
    send: (body: string) => Promise<unknown>,
  ) => {
    const proxy = await startCuttableProxy(server.url);
    const client = createTRPCClient<AppRouter>({
      links: [
        splitLink({
          condition: (op) => op.type === "subscription",
          true: sseLink(proxy.url, token),
          false: httpBatchLink({ url: `${server.url}/trpc`, headers: { authorization: `Bearer ${token}` } }),
        }),
      ],
    });
    const texts: string[] = [];
    const ids: string[] = [];
    let starts = 0;
    const subscription = subscribe(client, {
      onStarted: () => {
        starts += 1;
      },
      onData: ({ id, text }) => {
        ids.push(id);
        if (text !== undefined) texts.push(text);
      },
    });
    try {
      await vi.waitFor(() => expect(starts).toBe(1), SLOW_MACHINE);
      await send("before");
      await vi.waitFor(() => expect(texts).toEqual(["before"]), SLOW_MACHINE);
      proxy.cutAll();
      await send("while away");
      await vi.waitFor(() => expect(texts).toEqual(["before", "while away"]), SLOW_MACHINE);
      expect(new Set(ids).size).toBe(ids.length);
    } finally {
      subscription.unsubscribe();
      await proxy.close();
    }
  };

  it("httpSubscriptionLink: room events as Server-Sent Events, resumed after the last event across a cut", async () => {
    const room = (await createRoom(server.url, alice.token, { open: false })).id;
    const sender = createTRPCClient<AppRouter>({ links: [httpBatchLink({ url: `${server.url}/trpc`, headers })] });
    await resumesAcrossCut(
      alice.token,
      (client, { onStarted, onData }) =>
        client.rooms.events.subscribe(
          { roomId: room },
          {
            onStarted,
            onData: ({ id, data }) =>
              onData({ id, text: data.type === "message.created" ? (data.message.body ?? "") : undefined }),
          },
        ),
      (body) => sender.messages.send.mutate({ roomId: room, body }),
    );
  });

  it("httpSubscriptionLink: the inbox as Server-Sent Events, resumed after the last entry across a cut", async () => {
    const bob = await signUp(server.url);
    const room = (await createRoom(server.url, alice.token, { open: false, memberIds: [bob.id] })).id;
    const sender = createTRPCClient<AppRouter>({ links: [httpBatchLink({ url: `${server.url}/trpc`, headers })] });
    await resumesAcrossCut(
      bob.token,
      (client, { onStarted, onData }) =>
        client.users.events.subscribe(
          {},
          {
            onStarted,
            onData: ({ id, data }) => onData({ id, text: data.type === "message.created" ? data.preview : undefined }),
          },
        ),
      (body) => sender.messages.send.mutate({ roomId: room, body }),
    );
  });

  it("httpSubscriptionLink: a closed room's events are refused to an outsider", async () => {
    const outsider = await signUp(server.url);
    const room = (await createRoom(server.url, alice.token, { open: false })).id;
    const client = createTRPCClient<AppRouter>({ links: [sseLink(server.url, outsider.token)] });
    const error = await new Promise<unknown>((resolve) => {
      const subscription = client.rooms.events.subscribe(
        { roomId: room },
        {
          onError: (cause) => {
            subscription.unsubscribe();
            resolve(cause);
          },
        },
      );
    });
    expect((error as TRPCClientError<AppRouter>).data).toMatchObject({ error: { code: "ROOM_NOT_FOUND" } });
  });

  it("wsLink: reconnects after the connection is cut and resumes after the last event, exactly once", async () => {
    const proxy = await startCuttableProxy(server.url);
    const socket = createWSClient({
      url: `${proxy.url.replace(/^http/, "ws")}/trpc`,
      WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
      connectionParams: { token: alice.token },
      retryDelayMs: () => 50,
    });
    const client = createTRPCClient<AppRouter>({ links: [wsLink({ client: socket })] });
    const room = (await createRoom(server.url, alice.token)).id;
    const bodies: string[] = [];
    const ids: string[] = [];
    let starts = 0;
    const subscription = client.rooms.events.subscribe(
      { roomId: room },
      {
        onStarted: () => {
          starts += 1;
        },
        onData: ({ id, data }) => {
          ids.push(id);
          if (data.type === "message.created") bodies.push(data.message.body ?? "");
        },
      },
    );
    try {
      const send = (body: string) =>
        rest(server.url, "POST", `/rooms/${room}/messages`, { token: alice.token, body: { body } });
      await vi.waitFor(() => expect(starts).toBe(1), SLOW_MACHINE);
      await send("before");
      await vi.waitFor(() => expect(bodies).toEqual(["before"]), SLOW_MACHINE);
      proxy.cutAll();
      // Sent while the link is away: only the resume from the last event id can deliver these.
      for (const body of ["while away 1", "while away 2"]) await send(body);
      await vi.waitFor(() => expect(bodies).toEqual(["before", "while away 1", "while away 2"]), SLOW_MACHINE);
      expect(starts).toBe(2);
      await send("after");
      await vi.waitFor(() => expect(bodies).toEqual(["before", "while away 1", "while away 2", "after"]), SLOW_MACHINE);
      expect(new Set(ids).size).toBe(ids.length);
    } finally {
      subscription.unsubscribe();
      socket.close();
      await proxy.close();
    }
  });
});

/**
 * tRPC's SSE link with an `EventSource` that sends the bearer token as a header (the
 * `eventsource` package's custom fetch), as the README tells Node apps to wire it.
 */
function sseLink(baseUrl: string, token: string) {
  const authorized: typeof fetch = (input, init) =>
    fetch(input, { ...init, headers: { ...init?.headers, authorization: `Bearer ${token}` } });
  return httpSubscriptionLink<AppRouter, typeof EventSource>({
    url: `${baseUrl}/trpc`,
    EventSource,
    eventSourceOptions: () => ({ fetch: authorized }),
  });
}
