import type { AdminMessageReport, MessageReport } from "@natter/client";
import { useEffect, useState } from "preact/hooks";
import { ErrorLine, useFailure } from "../../failures/use-failure.js";

type Action = "dismiss" | "delete-message" | "mute-author" | "ban-author";

const ACTIONS: readonly (readonly [Action, string])[] = [
  ["dismiss", "Dismiss"],
  ["delete-message", "Delete the message"],
  ["mute-author", "Mute the author"],
  ["ban-author", "Ban the author"],
];

const REASON_LABELS: Record<MessageReport["reason"], string> = {
  spam: "Spam",
  abuse: "Abuse",
  other: "Something else",
};

interface ReportsListProps {
  /** Headline id prefix: the room settings and the admin page each have a list. */
  id: string;
  title: string;
  /** One page of reports of a status (the first 50). */
  load(status: "open" | "resolved"): Promise<readonly (MessageReport | AdminMessageReport)[]>;
  resolve(reportId: string, action: Action): Promise<unknown>;
  /** Banning is for server admins: the room's list does not offer it. */
  mayBan: boolean;
}

/**
 * A review queue: open reports with the reported message, and what may be done about each;
 * resolved ones on request. Who reported shows only where natter tells it (server admins).
 */
export function ReportsList({ id, title, load, resolve, mayBan }: ReportsListProps) {
  const [status, setStatus] = useState<"open" | "resolved">("open");
  const [reports, setReports] = useState<readonly (MessageReport | AdminMessageReport)[] | null>(null);
  const { error, attempt } = useFailure();
  const refresh = () => attempt(async () => setReports(await load(status)));
  useEffect(() => {
    setReports(null);
    void refresh();
  }, [status]);

  const act = (reportId: string, action: Action) =>
    attempt(async () => {
      await resolve(reportId, action);
      setReports(await load(status));
    });

  return (
    <section class="reports" aria-labelledby={`${id}-title`}>
      <div class="section-head">
        <h2 id={`${id}-title`}>{title}</h2>
        <label>
          <span class="visually-hidden">Which reports</span>
          <select value={status} onChange={(event) => setStatus(event.currentTarget.value as typeof status)}>
            <option value="open">Open</option>
            <option value="resolved">Resolved</option>
          </select>
        </label>
      </div>
      <ErrorLine error={error} />
      {reports === null && !error && <p role="status">Loading the reports…</p>}
      {reports?.length === 0 && <p class="empty">No {status} reports.</p>}
      {reports && reports.length > 0 && (
        <ul class="report-list">
          {reports.map((report) => (
            <li key={report.id} class="report">
              <p>
                <strong>{REASON_LABELS[report.reason]}</strong>
                {"reporter" in report && report.reporter && <> · reported by {report.reporter.username}</>} · message by{" "}
                {report.message.authorUsername ?? "a deleted account"}
              </p>
              <blockquote>{report.message.body ?? <em>This message was deleted.</em>}</blockquote>
              {report.note && <p class="hint">Note: {report.note}</p>}
              {report.status === "open" ? (
                <div class="message-actions">
                  {ACTIONS.filter(([action]) => mayBan || action !== "ban-author").map(([action, label]) => (
                    <button
                      key={action}
                      type="button"
                      class={`small${action === "dismiss" ? "" : " danger"}`}
                      onClick={() => act(report.id, action)}
                    >
                      {label}
                    </button>
                  ))}
                </div>
              ) : (
                <p class="hint">Resolved: {ACTIONS.find(([action]) => action === report.action)?.[1] ?? "—"}</p>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
