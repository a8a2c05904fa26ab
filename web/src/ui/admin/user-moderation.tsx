import type { AdminUser } from "@natter/client";
import { useEffect, useState } from "preact/hooks";
import type { ChatSession } from "../../chat/chat-session.js";
import { ErrorLine, useFailure } from "../../failures/use-failure.js";

/**
 * One user as admins see them, found by name or picked in the activity log, with a ban or
 * its lifting. A ban ends every session of theirs at once. Messages are deleted in their
 * rooms (server admins may delete any) and rooms from the activity log.
 */
export function UserModeration({
  session,
  chosen,
}: {
  session: ChatSession;
  chosen: { id: string; username: string } | null;
}) {
  const [username, setUsername] = useState("");
  const [user, setUser] = useState<AdminUser | null>(null);
  const [confirmBan, setConfirmBan] = useState(false);
  const { error, attempt, setError } = useFailure();
  const admin = session.client.trpc.admin;

  const show = (userId: string) =>
    attempt(async () => {
      setUser((await admin.user.query({ userId })).user);
      setConfirmBan(false);
    });

  useEffect(() => {
    if (chosen) void show(chosen.id);
  }, [chosen]);

  const find = async (event: Event) => {
    event.preventDefault();
    const name = username.trim();
    if (!name) return;
    let found: { id: string } | undefined;
    if (
      !(await attempt(async () => {
        found = (await session.client.trpc.users.find.query({ username: name, limit: 1 })).users[0];
      }))
    )
      return;
    if (found) await show(found.id);
    else {
      setUser(null);
      setError(`No user is called ${name}.`);
    }
  };

  const change = (banned: boolean) =>
    attempt(async () => {
      if (!user) return;
      const next = banned ? await admin.ban.mutate({ userId: user.id }) : await admin.unban.mutate({ userId: user.id });
      setUser(next.user);
      setConfirmBan(false);
    });

  return (
    <section class="admin-section" aria-labelledby="moderation-title">
      <h2 id="moderation-title">People</h2>
      <form class="inline-form" onSubmit={find}>
        <label for="moderate-username">Find a user</label>
        <input
          id="moderate-username"
          value={username}
          placeholder="username"
          autocomplete="off"
          onInput={(event) => setUsername(event.currentTarget.value)}
        />
        <button type="submit">Find</button>
      </form>
      <ErrorLine error={error} />
      {user && (
        <section class="card moderated-user" aria-label={`User ${user.username}`}>
          <p>
            <strong>{user.username}</strong>
            {user.isAdmin && <span class="tag">server admin</span>}
            {user.bannedAt && <span class="tag banned">banned</span>}
          </p>
          <p class="hint">
            {user.bannedAt
              ? `Banned ${new Date(user.bannedAt).toLocaleString()}.`
              : user.lastActiveAt
                ? `Last active ${new Date(user.lastActiveAt).toLocaleString()}.`
                : "Not active yet."}
          </p>
          {user.id !== session.me.id &&
            !user.isAdmin &&
            (user.bannedAt ? (
              <button type="button" class="small" onClick={() => change(false)}>
                Lift the ban on {user.username}
              </button>
            ) : confirmBan ? (
              <>
                <p class="confirm-question">Ban {user.username}? Every session of theirs ends now.</p>
                <button type="button" class="small danger" onClick={() => change(true)}>
                  Ban {user.username}
                </button>
                <button type="button" class="small" onClick={() => setConfirmBan(false)}>
                  Cancel
                </button>
              </>
            ) : (
              <button type="button" class="small danger" onClick={() => setConfirmBan(true)}>
                Ban…
              </button>
            ))}
        </section>
      )}
    </section>
  );
}
