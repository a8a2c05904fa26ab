import type { Member } from "@natter/client";
import type { ChatSession } from "../chat/chat-session.js";
import type { RoomPresence } from "../chat/room-signals.js";
import { useObservable } from "../state/observable.js";
import { MemberPicker } from "./member-picker.js";

/** The room's owner and admins, then its members; who is here now is marked. */
export function MembersPanel({
  session,
  roomId,
  presence,
}: {
  session: ChatSession;
  roomId: string;
  presence: RoomPresence;
}) {
  const members = useObservable(session.members)[roomId] ?? [];
  const here = new Set(presence.present.map((user) => user.userId));
  const admins = members.filter((member) => member.role !== "member");
  const others = members.filter((member) => member.role === "member");
  const mayAdd = admins.some((member) => member.userId === session.me.id);
  return (
    <aside class="members" aria-label="Members">
      <p class="hint">
        {presence.present.length} here now
        {presence.anonymousCount > 0 &&
          `, and ${presence.anonymousCount} guest${presence.anonymousCount === 1 ? "" : "s"}`}
      </p>
      <h2>Owner and admins</h2>
      <MemberGroup members={admins} here={here} />
      <h2>Members</h2>
      {others.length === 0 ? <p class="empty">Nobody else yet.</p> : <MemberGroup members={others} here={here} />}
      {mayAdd && (
        <MemberPicker
          client={session.client}
          id="add-member"
          label="Add someone by username"
          onPick={(user) => session.addMember(roomId, user.id)}
        />
      )}
    </aside>
  );
}

function MemberGroup({ members, here }: { members: readonly Member[]; here: ReadonlySet<string> }) {
  return (
    <ul class="member-list">
      {members.map((member) => (
        <li key={member.userId} class={here.has(member.userId) ? "present" : undefined}>
          <span class="presence-dot" aria-hidden="true" />
          <span class="member-name">{member.username}</span>
          {member.role !== "member" && <span class="tag">{member.role}</span>}
          {here.has(member.userId) && <span class="visually-hidden"> (here now)</span>}
        </li>
      ))}
    </ul>
  );
}
