import { describe, expect, it } from "vitest";
import { redisUnavailable, rest, signUpMany } from "../harness/index.js";
import { newRoom, send, watchRoom } from "../messages/room-fixtures.js";
import { twoNodes } from "./two-nodes.js";

const redisMissing = await redisUnavailable();

/**
 * Reports and mutes on two nodes sharing the suite's database and one Redis: a report made
 * on one node is in the room's queue on the other, resolving it there mutes the author on
 * both, and watchers on the first node see the mute as it happens.
 */
describe.skipIf(redisMissing !== undefined)("moderation across two nodes", () => {
  const nodes = twoNodes("moderation");

  it("takes a report on A, resolves it on B by muting the author, who is then refused on both", async () => {
    const { a, b } = nodes;
    const [owner, author, reader] = await signUpMany(a.url, 3);
    const roomId = await newRoom(a.url, owner, { members: [author, reader] });
    const onA = watchRoom(nodes.connect(a.url, reader.token), roomId, "0");
    const message = await send(a.url, author, roomId, "buy cheap watches");

    const reported = await rest(a.url, "POST", `/rooms/${roomId}/messages/${message.id}/reports`, {
      token: reader.token,
      body: { reason: "spam" },
    });
    expect(reported.status).toBe(201);
    const queue = await rest(b.url, "GET", `/rooms/${roomId}/reports`, { token: owner.token });
    expect(queue.status).toBe(200);
    expect(queue.body.reports).toMatchObject([{ id: reported.body.report.id, messageId: message.id, status: "open" }]);
    // The room's moderators never learn who reported.
    expect(JSON.stringify(queue.body)).not.toContain(reader.id);

    const resolved = await rest(b.url, "POST", `/rooms/${roomId}/reports/${reported.body.report.id}/resolve`, {
      token: owner.token,
      body: { action: "mute-author" },
    });
    expect(resolved.status).toBe(200);
    await onA.until("the mute on A", (events) =>
      events.some((event) => event.type === "member.muted" && event.userId === author.id),
    );
    for (const node of [a, b]) {
      const refused = await rest(node.url, "POST", `/rooms/${roomId}/messages`, {
        token: author.token,
        body: { body: "and again" },
      });
      expect(refused.status).toBe(403);
      expect(refused.body.error.code).toBe("MUTED");
    }
    const open = await rest(a.url, "GET", `/rooms/${roomId}/reports`, { token: owner.token });
    expect(open.body.reports).toEqual([]);
  });
});
