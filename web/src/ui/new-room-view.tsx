import { useState } from "preact/hooks";
import type { ChatSession } from "../chat/chat-session.js";
import { errorText } from "../failures/error-text.js";
import { ErrorLine } from "../failures/use-failure.js";
import { navigate } from "../state/router.js";
import { type FoundUser, MemberPicker } from "./member-picker.js";

/** Starts a room, open to anyone or closed to its members. */
export function NewRoomView({ session }: { session: ChatSession }) {
  const [name, setName] = useState("");
  const [open, setOpen] = useState(true);
  const [members, setMembers] = useState<readonly FoundUser[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    try {
      const room = await session.createRoom(
        name.trim() || undefined,
        open,
        members.map((member) => member.id),
      );
      navigate({ screen: "room", roomId: room.id });
    } catch (failure) {
      setError(errorText(failure));
      setBusy(false);
    }
  };

  return (
    <section class="panel" aria-labelledby="new-room-title">
      <h1 id="new-room-title">New room</h1>
      <form class="card stack" onSubmit={submit}>
        <label for="room-name">Name</label>
        <input
          id="room-name"
          maxLength={100}
          value={name}
          placeholder="general"
          onInput={(event) => setName(event.currentTarget.value)}
        />
        <fieldset>
          <legend>Who may join</legend>
          <label class="choice">
            <input type="radio" name="visibility" checked={open} onChange={() => setOpen(true)} />
            Open: anyone can find, read and join it
          </label>
          <label class="choice">
            <input type="radio" name="visibility" checked={!open} onChange={() => setOpen(false)} />
            Closed: only members see it
          </label>
        </fieldset>
        <MemberPicker
          client={session.client}
          id="new-room-member"
          label="Add people by username"
          onPick={async (user) => {
            if (user.id !== session.me.id) setMembers((picked) => [...picked.filter((m) => m.id !== user.id), user]);
          }}
        />
        {members.length > 0 && (
          <ul class="chips" aria-label="People to add">
            {members.map((member) => (
              <li key={member.id} class="chip">
                {member.username}
                <button
                  type="button"
                  class="small"
                  onClick={() => setMembers((picked) => picked.filter((m) => m.id !== member.id))}
                >
                  Remove<span class="visually-hidden"> {member.username}</span>
                </button>
              </li>
            ))}
          </ul>
        )}
        <ErrorLine error={error} />
        <button type="submit" class="primary" disabled={busy}>
          Create room
        </button>
      </form>
    </section>
  );
}
