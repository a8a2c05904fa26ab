import type { ActivityEntry, ActivityType, RouterInputs } from "@natter/client";
import { useEffect, useRef, useState } from "preact/hooks";
import { ACTIVITY_TYPE_LABELS, ACTIVITY_TYPES, detailPairs } from "../../admin/activity-labels.js";
import type { ChatSession } from "../../chat/chat-session.js";
import { errorText } from "../../failures/error-text.js";
import { ErrorLine, useFailure } from "../../failures/use-failure.js";

type ActivityQuery = RouterInputs["admin"]["activity"];
/** A user or room the log is narrowed to, with the name it is shown by. */
interface Named {
  id: string;
  name: string;
}
interface Filters {
  user: Named | null;
  room: Named | null;
  type: ActivityType | null;
  /** `datetime-local` values: the person's own time. */
  since: string;
  until: string;
}

const PAGE_SIZE = 25;
const NO_FILTERS: Filters = { user: null, room: null, type: null, since: "", until: "" };

/**
 * Who did what, newest first, a page at a time (keyset: each page continues from the last
 * one's cursor). Filters narrow it by user, room, type and time; a name in an entry narrows
 * it to that user or room. Rooms still there can be deleted from here.
 */
export function ActivityLog({
  session,
  onModerate,
}: {
  session: ChatSession;
  onModerate: (user: { id: string; username: string }) => void;
}) {
  const [filters, setFilters] = useState<Filters>(NO_FILTERS);
  const [entries, setEntries] = useState<readonly ActivityEntry[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const [generation, setGeneration] = useState(0);

  // Only the newest request's answer is shown: an older one may arrive after it.
  const latestRequest = useRef(0);

  const fetchPage = async (after: string | null) => {
    const request = ++latestRequest.current;
    setLoading(true);
    if (!after) setEntries([]); // what the old filters matched is not what these match
    try {
      const page = await session.client.trpc.admin.activity.query({
        ...queryOf(filters),
        limit: PAGE_SIZE,
        ...(after && { cursor: after }),
      });
      if (request !== latestRequest.current) return;
      setEntries((shown) => (after ? [...shown, ...page.entries] : page.entries));
      setCursor(page.nextCursor);
      setError(null);
    } catch (failure) {
      if (request === latestRequest.current) setError(errorText(failure));
    } finally {
      if (request === latestRequest.current) setLoading(false);
    }
  };

  // A new set of filters (or a reload after a moderation) starts again from the newest entry.
  useEffect(() => {
    void fetchPage(null);
  }, [session, filters, generation]);

  const narrow = (change: Partial<Filters>) => setFilters((current) => ({ ...current, ...change }));

  return (
    <section class="admin-section" aria-labelledby="activity-title">
      <div class="section-head">
        <h2 id="activity-title">Activity</h2>
        <button type="button" class="small" onClick={() => setGeneration((n) => n + 1)}>
          Refresh<span class="visually-hidden"> the activity</span>
        </button>
      </div>
      <ActivityFilters session={session} filters={filters} onChange={setFilters} />
      <ErrorLine error={error} />
      {entries.length === 0 && !loading && !error && <p class="empty">Nothing matches these filters.</p>}
      <ol class="activity-list" aria-label="Activity entries">
        {entries.map((entry) => (
          <ActivityItem
            key={entry.id}
            session={session}
            entry={entry}
            onNarrow={narrow}
            onModerate={onModerate}
            onChanged={() => setGeneration((n) => n + 1)}
          />
        ))}
      </ol>
      {loading && <p role="status">Loading the activity…</p>}
      {cursor && !loading && (
        <button type="button" class="load-older" onClick={() => void fetchPage(cursor)}>
          Show older entries
        </button>
      )}
    </section>
  );
}

function queryOf(filters: Filters): Omit<ActivityQuery, "limit" | "cursor"> {
  return {
    ...(filters.user && { userId: filters.user.id }),
    ...(filters.room && { roomId: filters.room.id }),
    ...(filters.type && { type: filters.type }),
    ...(filters.since && { since: new Date(filters.since).toISOString() }),
    ...(filters.until && { until: new Date(filters.until).toISOString() }),
  };
}

function ActivityFilters({
  session,
  filters,
  onChange,
}: {
  session: ChatSession;
  filters: Filters;
  onChange: (filters: Filters) => void;
}) {
  const [username, setUsername] = useState("");
  const [type, setType] = useState<ActivityType | "">(filters.type ?? "");
  const [since, setSince] = useState(filters.since);
  const [until, setUntil] = useState(filters.until);
  const { error, attempt, setError } = useFailure();

  useEffect(() => {
    setType(filters.type ?? "");
    setSince(filters.since);
    setUntil(filters.until);
  }, [filters]);

  const apply = async (event: Event) => {
    event.preventDefault();
    let user = filters.user;
    const name = username.trim();
    if (name) {
      let found: { id: string; username: string } | undefined;
      const ok = await attempt(async () => {
        found = (await session.client.trpc.users.find.query({ username: name, limit: 1 })).users[0];
      });
      if (!ok) return;
      if (!found) {
        setError(`No user is called ${name}.`);
        return;
      }
      user = { id: found.id, name: found.username };
      setUsername("");
    }
    onChange({ ...filters, user, type: type || null, since, until });
  };

  return (
    <form class="activity-filters" onSubmit={apply} aria-label="Filter the activity">
      <div class="filter-field">
        <label for="filter-user">User (who did it)</label>
        <input
          id="filter-user"
          value={username}
          placeholder={filters.user ? filters.user.name : "username"}
          autocomplete="off"
          onInput={(event) => setUsername(event.currentTarget.value)}
        />
      </div>
      <div class="filter-field">
        <label for="filter-type">Type</label>
        <select
          id="filter-type"
          value={type}
          onChange={(event) => setType(event.currentTarget.value as ActivityType | "")}
        >
          <option value="">Any</option>
          {ACTIVITY_TYPES.map((value) => (
            <option key={value} value={value}>
              {ACTIVITY_TYPE_LABELS[value]}
            </option>
          ))}
        </select>
      </div>
      <div class="filter-field">
        <label for="filter-since">From</label>
        <input
          id="filter-since"
          type="datetime-local"
          value={since}
          onInput={(event) => setSince(event.currentTarget.value)}
        />
      </div>
      <div class="filter-field">
        <label for="filter-until">Until</label>
        <input
          id="filter-until"
          type="datetime-local"
          value={until}
          onInput={(event) => setUntil(event.currentTarget.value)}
        />
      </div>
      <div class="filter-buttons">
        <button type="submit" class="primary">
          Apply filters
        </button>
        <button
          type="button"
          onClick={() => {
            setUsername("");
            setError(null);
            onChange(NO_FILTERS);
          }}
        >
          Clear
        </button>
      </div>
      {(filters.user || filters.room) && (
        <ul class="filter-chips" aria-label="Narrowed to">
          {filters.user && (
            <li>
              User {filters.user.name}{" "}
              <button type="button" class="small" onClick={() => onChange({ ...filters, user: null })}>
                Remove<span class="visually-hidden"> the user filter</span>
              </button>
            </li>
          )}
          {filters.room && (
            <li>
              Room {filters.room.name}{" "}
              <button type="button" class="small" onClick={() => onChange({ ...filters, room: null })}>
                Remove<span class="visually-hidden"> the room filter</span>
              </button>
            </li>
          )}
        </ul>
      )}
      <ErrorLine error={error} />
    </form>
  );
}

function ActivityItem({
  session,
  entry,
  onNarrow,
  onModerate,
  onChanged,
}: {
  session: ChatSession;
  entry: ActivityEntry;
  onNarrow: (change: Partial<Filters>) => void;
  onModerate: (user: { id: string; username: string }) => void;
  onChanged: () => void;
}) {
  const [confirmDelete, setConfirmDelete] = useState(false);
  const { error, attempt } = useFailure();
  const { actor, room, subject } = entry;
  const person = (user: { id: string; username: string | null }) =>
    user.username === null ? (
      <span class="gone">a deleted account</span>
    ) : (
      <button
        type="button"
        class="link"
        onClick={() => onNarrow({ user: { id: user.id, name: user.username ?? user.id } })}
      >
        {user.username}
        <span class="visually-hidden"> (show only what they did)</span>
      </button>
    );
  const removeRoom = async () => {
    if (room && (await attempt(() => session.moderation.deleteRoom(room.id)))) onChanged();
  };

  return (
    <li class="activity-entry">
      <div class="activity-line">
        <time dateTime={entry.createdAt}>{new Date(entry.createdAt).toLocaleString()}</time>
        <span class="tag">{ACTIVITY_TYPE_LABELS[entry.type]}</span>
      </div>
      <p class="activity-text">
        {actor ? <>By {person(actor)}</> : "By the server"}
        {room && (
          <>
            {" in "}
            {room.name === null ? (
              <span class="gone">a deleted room</span>
            ) : (
              <button
                type="button"
                class="link"
                onClick={() => onNarrow({ room: { id: room.id, name: room.name ?? "" } })}
              >
                {room.name}
                <span class="visually-hidden"> (show only this room)</span>
              </button>
            )}
          </>
        )}
        {subject && <> · concerning {person(subject)}</>}
      </p>
      {detailPairs(entry).length > 0 && <p class="hint">{detailPairs(entry).join(" · ")}</p>}
      <div class="entry-actions">
        {moderatable(entry, session.me.id).map((user) => (
          <button key={user.id} type="button" class="small" onClick={() => onModerate(user)}>
            Moderate {user.username}
          </button>
        ))}
        {entry.type === "room.created" &&
          room &&
          room.name !== null &&
          (confirmDelete ? (
            <>
              <button type="button" class="small danger" onClick={removeRoom}>
                Delete {room.name} for everyone
              </button>
              <button type="button" class="small" onClick={() => setConfirmDelete(false)}>
                Keep
              </button>
            </>
          ) : (
            <button type="button" class="small" onClick={() => setConfirmDelete(true)}>
              Delete room {room.name}…
            </button>
          ))}
      </div>
      <ErrorLine error={error} />
    </li>
  );
}

/** The people an entry names whom an admin may act on: still there, not the admin themself, each once. */
function moderatable(entry: ActivityEntry, myId: string): { id: string; username: string }[] {
  const people = new Map<string, string>();
  for (const user of [entry.actor, entry.subject])
    if (user && user.username !== null && user.id !== myId) people.set(user.id, user.username);
  return [...people].map(([id, username]) => ({ id, username }));
}
