import type { AdminStats } from "@natter/client";
import { useEffect, useState } from "preact/hooks";
import type { ChatSession } from "../../chat/chat-session.js";
import { errorText } from "../../failures/error-text.js";
import { ErrorLine } from "../../failures/use-failure.js";
import { ReportsList } from "../reports/reports-list.js";
import { ActivityLog } from "./activity-log.js";
import { BlockedTermsEditor } from "./blocked-terms-editor.js";
import { BotsAdmin } from "./bots-admin.js";
import { MessagesChart } from "./messages-chart.js";
import { UserModeration } from "./user-moderation.js";
import { WebhooksAdmin } from "./webhooks-admin.js";

/**
 * The server's life for server admins: the figures, messages per hour, the activity log
 * and moderation. natter refuses all of it to anyone else; the link shows only for admins.
 */
export function AdminView({ session }: { session: ChatSession }) {
  const [moderated, setModerated] = useState<{ id: string; username: string } | null>(null);
  if (!session.me.isAdmin) {
    return (
      <section class="panel">
        <h1>Administration</h1>
        <p>
          This page is for server admins. A server admin is made on the server with{" "}
          <code>natter admin grant USERNAME</code>.
        </p>
      </section>
    );
  }
  return (
    <section class="panel admin" aria-labelledby="admin-title">
      <h1 id="admin-title">Administration</h1>
      <StatsPanel session={session} />
      <ReportsList
        id="admin-reports"
        title="Reported messages"
        mayBan={true}
        load={async (status) => (await session.client.trpc.reports.list.query({ status, limit: 50 })).reports}
        resolve={(reportId, action) => session.client.trpc.reports.resolve.mutate({ reportId, action })}
      />
      <UserModeration session={session} chosen={moderated} />
      <BlockedTermsEditor session={session} />
      <WebhooksAdmin session={session} />
      <BotsAdmin session={session} />
      <ActivityLog session={session} onModerate={setModerated} />
    </section>
  );
}

function StatsPanel({ session }: { session: ChatSession }) {
  const [stats, setStats] = useState<AdminStats | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = () =>
    session.client.trpc.admin.stats.query().then(
      (next) => {
        setStats(next);
        setError(null);
      },
      (failure: unknown) => setError(errorText(failure)),
    );
  useEffect(() => {
    void load();
  }, [session]);

  return (
    <section class="admin-section" aria-labelledby="stats-title">
      <div class="section-head">
        <h2 id="stats-title">The server now</h2>
        <button type="button" class="small" onClick={() => void load()}>
          Refresh<span class="visually-hidden"> the figures</span>
        </button>
      </div>
      <ErrorLine error={error} />
      {!stats && !error && <p role="status">Loading the figures…</p>}
      {stats && (
        <>
          <dl class="stat-cards">
            <Stat label="Users" value={stats.users.total}>
              {stats.users.active24h} active today · {stats.users.admins} admin{stats.users.admins === 1 ? "" : "s"} ·{" "}
              {stats.users.banned} banned
            </Stat>
            <Stat label="Rooms" value={stats.rooms.total}>
              {stats.rooms.open} open · {stats.rooms.closed} closed
            </Stat>
            <Stat label="Messages" value={stats.messages.total}>
              {stats.messages.last24h} in the last 24 hours
            </Stat>
            <Stat label="Images" value={stats.uploads.count}>
              {formatBytes(stats.uploads.storedBytes)} stored
              {stats.uploads.storageMaxBytes === null
                ? " · no storage ceiling"
                : ` of at most ${formatBytes(stats.uploads.storageMaxBytes)} (${storageShare(stats.uploads.storedBytes, stats.uploads.storageMaxBytes)} full)`}
            </Stat>
            <Stat label="Sessions" value={stats.sessions.active}>
              {stats.live.sockets} connected · {stats.live.watchers} watching rooms
            </Stat>
          </dl>
          <MessagesChart series={stats.messages.perHour} />
          <p class="hint">
            As of <time dateTime={stats.generatedAt}>{new Date(stats.generatedAt).toLocaleString()}</time>
          </p>
        </>
      )}
    </section>
  );
}

function Stat({ label, value, children }: { label: string; value: number; children: preact.ComponentChildren }) {
  return (
    <div class="stat-card">
      <dt>{label}</dt>
      <dd class="stat-value">{value.toLocaleString()}</dd>
      <dd class="hint">{children}</dd>
    </div>
  );
}

/** How full the upload storage is, as a whole percentage that shows 100% only when it is. */
function storageShare(stored: number, max: number): string {
  const percent = (stored / max) * 100;
  return `${stored >= max ? 100 : Math.min(99, Math.floor(percent))}%`;
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  if (bytes < 1024 * 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  return `${(bytes / 1024 / 1024 / 1024).toFixed(1)} GB`;
}
