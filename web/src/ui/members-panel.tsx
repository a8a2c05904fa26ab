import type { Member, Room, RoomSignalsState } from "@natter/client";
import { useState } from "preact/hooks";
import type { ChatSession } from "../chat/chat-session.js";
import { ErrorLine, useFailure } from "../failures/use-failure.js";
import { useObservable } from "../state/observable.js";
import { navigate } from "../state/router.js";
import { IncomingWebhooksPanel } from "./incoming-webhooks-panel.js";
import { MemberPicker } from "./member-picker.js";
import { ReportsList } from "./reports/reports-list.js";
import { RoomWebhooksPanel } from "./room-webhooks-panel.js";

type Role = Member["role"];

/**
 * The room's owner and admins, then its members; who is here now is marked. Admins and
 * the owner manage people and the room here, each seeing only what natter lets them do.
 */
export function MembersPanel({
  session,
  room,
  presence,
}: {
  session: ChatSession;
  room: Room;
  presence: RoomSignalsState;
}) {
  const members = useObservable(session.members.byRoom)[room.id] ?? [];
  const here = new Set(presence.present.map((user) => user.userId));
  const admins = members.filter((member) => member.role !== "member");
  const others = members.filter((member) => member.role === "member");
  const myRole = members.find((member) => member.userId === session.me.id)?.role ?? null;
  const group = (list: readonly Member[]) => (
    <MemberGroup
      session={session}
      roomId={room.id}
      direct={room.kind === "direct"}
      members={list}
      here={here}
      myRole={myRole}
    />
  );
  return (
    <aside class="members" aria-label="Members">
      <p class="hint">
        {presence.present.length} here now
        {presence.anonymousCount > 0 &&
          `, and ${presence.anonymousCount} guest${presence.anonymousCount === 1 ? "" : "s"}`}
      </p>
      <h2>Owner and admins</h2>
      {group(admins)}
      <h2>Members</h2>
      {others.length === 0 ? <p class="empty">Nobody else yet.</p> : group(others)}
      {myRole !== null && myRole !== "member" && (
        <>
          <MemberPicker
            client={session.client}
            id="add-member"
            label="Add someone by username"
            onPick={(user) => session.moderation.addMember(room.id, user.id)}
          />
          <RoomSettings session={session} room={room} myRole={myRole} />
          {room.kind !== "direct" && (myRole === "owner" || session.me.isAdmin) && (
            <>
              <RoomWebhooksPanel session={session} roomId={room.id} />
              <IncomingWebhooksPanel session={session} roomId={room.id} />
            </>
          )}
          {room.kind !== "direct" && (
            <ReportsList
              id="room-reports"
              title="Reports"
              mayBan={false}
              load={async (status) =>
                (await session.client.trpc.reports.forRoom.query({ roomId: room.id, status, limit: 50 })).reports
              }
              resolve={(reportId, action) =>
                session.client.trpc.reports.resolveInRoom.mutate({ roomId: room.id, reportId, action })
              }
            />
          )}
        </>
      )}
    </aside>
  );
}

function MemberGroup({
  session,
  roomId,
  direct,
  members,
  here,
  myRole,
}: {
  session: ChatSession;
  roomId: string;
  direct: boolean;
  members: readonly Member[];
  here: ReadonlySet<string>;
  myRole: Role | null;
}) {
  return (
    <ul class="member-list">
      {members.map((member) => (
        <MemberRow
          key={member.userId}
          session={session}
          roomId={roomId}
          direct={direct}
          member={member}
          present={here.has(member.userId)}
          myRole={myRole}
        />
      ))}
    </ul>
  );
}

/** What natter lets someone of `myRole` do to `member` (the server checks again). */
function permissions(myRole: Role | null, member: Member, isMe: boolean) {
  const setRole = myRole === "owner" && !isMe;
  const kick =
    !isMe && member.role !== "owner" && (myRole === "owner" || (myRole === "admin" && member.role === "member"));
  // Muting follows the same rule as kicking: only over a lower role.
  return { setRole, kick, mute: kick };
}

function MemberRow({
  session,
  roomId,
  direct,
  member,
  present,
  myRole,
}: {
  session: ChatSession;
  roomId: string;
  /** Whether the room is a direct room: its two people already have their conversation. */
  direct: boolean;
  member: Member;
  present: boolean;
  myRole: Role | null;
}) {
  const [managing, setManaging] = useState(false);
  const [confirming, setConfirming] = useState<"owner" | "kick" | null>(null);
  const { error, attempt } = useFailure();
  const isMe = member.userId === session.me.id;
  const may = permissions(myRole, member, isMe);
  const name = member.username;
  const message = async () => {
    const room = await session.openDirect(member.userId);
    navigate({ screen: "room", roomId: room.id });
  };

  const act = async (action: () => Promise<void>) => {
    if (await attempt(action)) {
      setConfirming(null);
      setManaging(false);
    }
  };

  return (
    <li class={`member${present ? " present" : ""}`}>
      <div class="member-line">
        <span class="presence-dot" aria-hidden="true" />
        <span class="member-name">{name}</span>
        {member.role !== "member" && <span class="tag">{member.role}</span>}
        {present && <span class="visually-hidden"> (here now)</span>}
        {!isMe && !direct && (
          <button type="button" class="small" onClick={() => attempt(message)}>
            Message<span class="visually-hidden"> {name}</span>
          </button>
        )}
        {(may.setRole || may.kick || may.mute) && (
          <button
            type="button"
            class="small manage"
            aria-expanded={managing}
            onClick={() => {
              setManaging((open) => !open);
              setConfirming(null);
            }}
          >
            Manage<span class="visually-hidden"> {name}</span>
          </button>
        )}
      </div>
      {managing && (
        <div class="member-actions">
          {confirming === "owner" ? (
            <ConfirmLine
              question={`Hand ${name} the room? You become an admin.`}
              yes={`Make ${name} owner`}
              onYes={() => act(() => session.moderation.setRole(roomId, member.userId, "owner"))}
              onNo={() => setConfirming(null)}
            />
          ) : confirming === "kick" ? (
            <ConfirmLine
              question={`Remove ${name} from the room?`}
              yes={`Remove ${name}`}
              onYes={() => act(() => session.moderation.kick(roomId, member.userId))}
              onNo={() => setConfirming(null)}
            />
          ) : (
            <>
              {may.setRole && member.role === "member" && (
                <button
                  type="button"
                  class="small"
                  onClick={() => act(() => session.moderation.setRole(roomId, member.userId, "admin"))}
                >
                  Make admin
                </button>
              )}
              {may.setRole && member.role === "admin" && (
                <button
                  type="button"
                  class="small"
                  onClick={() => act(() => session.moderation.setRole(roomId, member.userId, "member"))}
                >
                  Make member
                </button>
              )}
              {may.setRole && (
                <button type="button" class="small" onClick={() => setConfirming("owner")}>
                  Make owner…
                </button>
              )}
              {may.mute && (
                <>
                  <button
                    type="button"
                    class="small"
                    onClick={() => act(() => session.moderation.mute(roomId, member.userId, 60))}
                  >
                    Mute for an hour<span class="visually-hidden"> {name}</span>
                  </button>
                  <button
                    type="button"
                    class="small"
                    onClick={() => act(() => session.moderation.mute(roomId, member.userId, null))}
                  >
                    Mute until lifted<span class="visually-hidden"> {name}</span>
                  </button>
                  <button
                    type="button"
                    class="small"
                    onClick={() => act(() => session.moderation.unmute(roomId, member.userId))}
                  >
                    Unmute<span class="visually-hidden"> {name}</span>
                  </button>
                </>
              )}
              {may.kick && (
                <button type="button" class="small danger" onClick={() => setConfirming("kick")}>
                  Remove…
                </button>
              )}
            </>
          )}
          <ErrorLine error={error} />
        </div>
      )}
    </li>
  );
}

function ConfirmLine({
  question,
  yes,
  onYes,
  onNo,
}: {
  question: string;
  yes: string;
  onYes: () => void;
  onNo: () => void;
}) {
  return (
    <>
      <p class="confirm-question">{question}</p>
      <button type="button" class="small danger" onClick={onYes}>
        {yes}
      </button>
      <button type="button" class="small" onClick={onNo}>
        Cancel
      </button>
    </>
  );
}

/** Slow mode choices, in seconds. */
const SLOW_MODE_CHOICES: readonly [number, string][] = [
  [0, "Off"],
  [10, "10 seconds"],
  [30, "30 seconds"],
  [60, "1 minute"],
  [300, "5 minutes"],
  [900, "15 minutes"],
  [3600, "1 hour"],
];

/** Opening or closing the room and its slow mode (admins and the owner), and deleting it (the owner). */
function RoomSettings({ session, room, myRole }: { session: ChatSession; room: Room; myRole: Role }) {
  const [confirmDelete, setConfirmDelete] = useState(false);
  const { error, attempt } = useFailure();
  const remove = async () => {
    if (await attempt(() => session.moderation.deleteRoom(room.id))) navigate({ screen: "home" });
  };
  return (
    <section class="room-settings" aria-labelledby="room-settings-title">
      <h2 id="room-settings-title">Room</h2>
      <p class="hint">
        {room.open ? "Open: anyone can find, read and join it." : "Closed: only its members see it; admins add people."}
      </p>
      <button
        type="button"
        class="small"
        onClick={() => attempt(() => session.moderation.setOpen(room.id, !room.open))}
      >
        {room.open ? "Close the room" : "Open the room"}
      </button>
      <label class="slow-mode-setting">
        Slow mode (members wait between messages){" "}
        <select
          value={String(room.slowModeSeconds)}
          onChange={(event) =>
            attempt(() => session.moderation.setSlowMode(room.id, Number(event.currentTarget.value)))
          }
        >
          {SLOW_MODE_CHOICES.some(([seconds]) => seconds === room.slowModeSeconds) ? null : (
            <option value={String(room.slowModeSeconds)}>{room.slowModeSeconds} seconds</option>
          )}
          {SLOW_MODE_CHOICES.map(([seconds, label]) => (
            <option key={seconds} value={String(seconds)}>
              {label}
            </option>
          ))}
        </select>
      </label>
      {myRole === "owner" &&
        (confirmDelete ? (
          <ConfirmLine
            question={`Delete ${room.name} with all its messages, for everyone?`}
            yes="Delete the room"
            onYes={remove}
            onNo={() => setConfirmDelete(false)}
          />
        ) : (
          <button type="button" class="small danger" onClick={() => setConfirmDelete(true)}>
            Delete the room…
          </button>
        ))}
      <ErrorLine error={error} />
    </section>
  );
}
