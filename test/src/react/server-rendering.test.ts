import { createNatterClient } from "@natter/client";
import { NatterProvider, usePresence, useRoomMessages, useSession, useTyping, useUnread } from "@natter/react";
import { createElement } from "react";
import { renderToString } from "react-dom/server";
import { describe, expect, it } from "vitest";

/** A WebSocket class that records being constructed: a server render must never. */
function recordingWebSocket(constructed: string[]) {
  return class {
    constructor(url: string) {
      constructed.push(url);
    }
  };
}

function Room({ roomId }: { roomId: string }) {
  const { status, messages } = useRoomMessages(roomId);
  const { typing } = useTyping(roomId);
  const { present } = usePresence(roomId);
  const unread = useUnread();
  const session = useSession();
  return createElement(
    "p",
    null,
    `room ${status} with ${messages.length} messages, ${typing.length} typing, ${present.length} here; ` +
      `unread ${unread.status}; session ${session.status}`,
  );
}

describe("@natter/react on a server (SSR)", () => {
  it("renders every hook's loading state without fetching or touching a WebSocket", () => {
    const constructed: string[] = [];
    const requests: string[] = [];
    const realFetch = globalThis.fetch;
    globalThis.fetch = (async (input: string | URL | Request) => {
      requests.push(String(input));
      throw new Error("no requests during a server render");
    }) as typeof fetch;
    try {
      // Nothing listens there: a request or socket would fail, and the render would still have to finish.
      const client = createNatterClient({
        url: "http://127.0.0.1:9",
        token: "a-kept-token",
        WebSocket: recordingWebSocket(constructed),
      });
      const html = renderToString(createElement(NatterProvider, { client }, createElement(Room, { roomId: "r1" })));
      expect(html).toBe("<p>room loading with 0 messages, 0 typing, 0 here; unread loading; session loading</p>");
    } finally {
      globalThis.fetch = realFetch;
    }
    expect(constructed).toEqual([]);
    expect(requests).toEqual([]);
  });
});
