import type { Database } from "@natter/db";
import { LIMITS, type Message, type MyThreadsPage } from "@natter/shared";
import type { Kysely } from "kysely";
import type { AuthSession } from "../../auth/auth-session.js";
import { messagesSeenBy } from "../message-rows/message-rows.js";
import { decodeCursor, encodeCursor } from "../paging/page-cursor.js";

export interface ThreadsServiceDeps {
  db: Kysely<Database>;
}

/** The threads a user takes part in, across the rooms they belong to. */
export class ThreadsService {
  constructor(private readonly deps: ThreadsServiceDeps) {}

  /**
   * The threads the caller started or replied in, in rooms they still belong to, newest
   * activity first, each with its replies by others that are past both the caller's room
   * read cursor and their own last reply (counted up to `LIMITS.unreadCountMax`).
   */
  async mine(
    session: AuthSession,
    { limit, cursor }: { limit: number; cursor?: string | undefined },
  ): Promise<MyThreadsPage> {
    const { db } = this.deps;
    const me = session.userId;
    let query = db
      .selectFrom("thread_participants as tp")
      .innerJoin("room_members as rm", (join) => join.onRef("rm.room_id", "=", "tp.room_id").on("rm.user_id", "=", me))
      .innerJoin("messages as root", "root.id", "tp.root_id")
      .selectAll("root")
      .select((eb) =>
        eb
          .selectFrom(
            eb
              .selectFrom("messages as reply")
              .select("reply.id")
              .whereRef("reply.thread_id", "=", "root.id")
              .whereRef("reply.seq", ">", "rm.read_seq")
              .where("reply.author_id", "!=", me)
              .where("reply.deleted_at", "is", null)
              .where((inner) =>
                inner(
                  "reply.seq",
                  ">",
                  inner.fn.coalesce(
                    inner
                      .selectFrom("messages as own")
                      .select((own) => own.fn.max("own.seq").as("seq"))
                      .whereRef("own.thread_id", "=", "root.id")
                      .where("own.author_id", "=", me),
                    inner.lit(0),
                  ),
                ),
              )
              .limit(LIMITS.unreadCountMax)
              .as("unread"),
          )
          .select((inner) => inner.fn.countAll<number | string>().as("count"))
          .as("unreadCount"),
      )
      .where("tp.user_id", "=", me)
      .where("root.thread_last_reply_at", "is not", null);
    if (cursor !== undefined) {
      const [lastReplyAt = "", rootId = ""] = decodeCursor("threads", cursor).split("|");
      query = query.where((eb) =>
        eb.or([
          eb("root.thread_last_reply_at", "<", lastReplyAt),
          eb.and([eb("root.thread_last_reply_at", "=", lastReplyAt), eb("root.id", "<", rootId)]),
        ]),
      );
    }
    const rows = await query
      .orderBy("root.thread_last_reply_at", "desc")
      .orderBy("root.id", "desc")
      .limit(limit + 1)
      .execute();
    const page = rows.slice(0, limit);
    const roots = await messagesSeenBy(
      db,
      page.map(({ unreadCount: _, ...row }) => row),
      me,
    );
    const last = page.at(-1);
    return {
      threads: page.map(({ unreadCount }, i) => ({
        root: roots[i] as Message,
        unreadCount: Number(unreadCount ?? 0),
      })),
      nextCursor:
        rows.length > limit && last ? encodeCursor("threads", `${last.thread_last_reply_at}|${last.id}`) : null,
    };
  }
}
