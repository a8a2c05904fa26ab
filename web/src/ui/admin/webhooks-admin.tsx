import type { Webhook, WebhookDelivery, WebhookEventType } from "@natter/client";
import { useState } from "preact/hooks";
import { attemptText, WEBHOOK_EVENT_LABELS, WEBHOOK_EVENT_TYPES } from "../../admin/integration-labels.js";
import type { ChatSession } from "../../chat/chat-session.js";
import { ErrorLine, useFailure, useLoaded } from "../../failures/use-failure.js";
import { ChoiceBoxes } from "../controls/choice-boxes.js";
import { ConfirmButton } from "../controls/confirm-button.js";
import { ShownOnce } from "../controls/shown-once.js";
import { TableHead } from "../controls/table-head.js";

/** Why an endpoint stopped, in words. */
const DISABLED_REASONS: Readonly<Record<NonNullable<Webhook["disabledReason"]>, string>> = {
  admin: "disabled by an admin",
  gone: "disabled: the receiver answered 410 Gone",
  failing: "disabled: it failed for 3 days",
};

function stateText(webhook: Webhook): string {
  if (!webhook.enabled) return DISABLED_REASONS[webhook.disabledReason ?? "admin"];
  if (webhook.failingSince) return `failing since ${new Date(webhook.failingSince).toLocaleString()}`;
  return "enabled";
}

/**
 * What the webhook manager does, as calls: the server admin's over `/admin/webhooks`, a room
 * owner's over `/rooms/{roomId}/webhooks` (the same operations, for that room's endpoints).
 */
export interface WebhookCalls {
  list(): Promise<readonly Webhook[]>;
  create(url: string, events: WebhookEventType[]): Promise<{ webhook: Webhook; secret: string }>;
  delete(webhookId: string): Promise<unknown>;
  test(webhookId: string): Promise<unknown>;
  rotateSecret(webhookId: string): Promise<{ secret: string }>;
  enable(webhookId: string): Promise<unknown>;
  deliveries(webhookId: string): Promise<readonly WebhookDelivery[]>;
  redeliver(webhookId: string, deliveryId: string): Promise<unknown>;
}

/** The server admin's calls: every webhook procedure of `/admin/webhooks`. */
export function adminWebhookCalls(session: ChatSession): WebhookCalls {
  const api = session.client.trpc.webhooks;
  return {
    list: async () => (await api.list.query()).webhooks,
    create: (url, events) => api.create.mutate({ url, events }),
    delete: (webhookId) => api.delete.mutate({ webhookId }),
    test: (webhookId) => api.test.mutate({ webhookId }),
    rotateSecret: (webhookId) => api.rotateSecret.mutate({ webhookId }),
    enable: (webhookId) => api.update.mutate({ webhookId, enabled: true }),
    deliveries: async (webhookId) => (await api.deliveries.query({ webhookId, limit: 50 })).deliveries,
    redeliver: (webhookId, deliveryId) => api.redeliver.mutate({ webhookId, deliveryId }),
  };
}

/**
 * Outgoing webhooks for server admins: register an endpoint (its signing secret shown once),
 * list them with their state, see an endpoint's recent deliveries and failures, send a test
 * event, rotate the secret (the old one signs beside it for 24 hours) and delete.
 */
export function WebhooksAdmin({ session }: { session: ChatSession }) {
  return (
    <WebhooksManager
      id="webhooks"
      class="admin-section"
      calls={adminWebhookCalls(session)}
      eventTypes={WEBHOOK_EVENT_TYPES}
      reloadKey={session}
    />
  );
}

/**
 * Registering, listing and managing outgoing webhooks through the given calls; shared by the
 * admin page (server-wide and any room) and a room's members panel (that room, its owner).
 */
export function WebhooksManager({
  id,
  class: className,
  calls,
  eventTypes,
  reloadKey,
}: {
  /** Prefix of the element ids, unique on the page. */
  id: string;
  class: string;
  calls: WebhookCalls;
  /** The event kinds offered when registering. */
  eventTypes: readonly WebhookEventType[];
  /** Reloads the list when it changes (the session, or the room). */
  reloadKey: unknown;
}) {
  const [url, setUrl] = useState("");
  const [events, setEvents] = useState<ReadonlySet<WebhookEventType>>(new Set(["message.created"]));
  const [secret, setSecret] = useState<{ label: string; value: string } | null>(null);
  const { value: webhooks, reload: load, error, attempt } = useLoaded(() => calls.list(), [reloadKey]);

  const create = async (event: Event) => {
    event.preventDefault();
    await attempt(async () => {
      const made = await calls.create(url.trim(), [...events]);
      setSecret({ label: `Signing secret of ${made.webhook.url}`, value: made.secret });
      setUrl("");
      await load();
    });
  };

  const rotated = (webhook: Webhook, value: string) => {
    setSecret({ label: `New signing secret of ${webhook.url}`, value });
    void load();
  };

  return (
    <section class={className} aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Outgoing webhooks</h2>
      <p class="hint">
        natter posts events to these URLs, signed as Standard Webhooks 1.0 (<code>webhook-id</code>,{" "}
        <code>webhook-timestamp</code>, <code>webhook-signature</code>), and retries for up to 3 days.
      </p>
      <form class="integration-form" onSubmit={create}>
        <label for={`${id}-url`}>Endpoint URL</label>
        <input
          id={`${id}-url`}
          type="url"
          required
          placeholder="https://example.com/natter"
          value={url}
          onInput={(e) => setUrl(e.currentTarget.value)}
        />
        <ChoiceBoxes
          legend="Events"
          choices={eventTypes}
          label={(type) => WEBHOOK_EVENT_LABELS[type]}
          chosen={events}
          onChange={setEvents}
        />
        <button type="submit" class="primary" disabled={events.size === 0}>
          Register the webhook
        </button>
      </form>
      {secret && <ShownOnce label={secret.label} value={secret.value} onDone={() => setSecret(null)} />}
      <ErrorLine error={error} />
      {webhooks === null && !error && <p role="status">Loading the webhooks…</p>}
      {webhooks?.length === 0 && <p class="empty">No webhooks yet.</p>}
      {webhooks && webhooks.length > 0 && (
        <ul class="integration-list" aria-label="Webhooks">
          {webhooks.map((webhook) => (
            <WebhookRow
              key={webhook.id}
              calls={calls}
              webhook={webhook}
              onChanged={load}
              onRotated={(value) => rotated(webhook, value)}
            />
          ))}
        </ul>
      )}
    </section>
  );
}

function WebhookRow({
  calls,
  webhook,
  onChanged,
  onRotated,
}: {
  calls: WebhookCalls;
  webhook: Webhook;
  onChanged: () => unknown;
  onRotated: (secret: string) => void;
}) {
  const [showDeliveries, setShowDeliveries] = useState(false);
  const [note, setNote] = useState<string | null>(null);
  const { error, attempt } = useFailure();
  const { test, rotateSecret, enable, deliveries, redeliver } = calls;
  const webhookId = webhook.id;

  return (
    <li class="integration-item" aria-label={webhook.url}>
      <p>
        <strong class="integration-name">{webhook.url}</strong>{" "}
        <span class={webhook.enabled && !webhook.failingSince ? "tag" : "tag warning"}>{stateText(webhook)}</span>
      </p>
      <p class="hint">
        {webhook.roomId ? "One room" : "Server-wide"} ·{" "}
        {webhook.events.map((type) => WEBHOOK_EVENT_LABELS[type]).join(", ")}
        {webhook.previousSecretExpiresAt &&
          ` · the previous secret signs too until ${new Date(webhook.previousSecretExpiresAt).toLocaleString()}`}
      </p>
      <div class="actions">
        <button
          type="button"
          class="small"
          aria-expanded={showDeliveries}
          onClick={() => setShowDeliveries(!showDeliveries)}
        >
          Deliveries<span class="visually-hidden"> to {webhook.url}</span>
        </button>
        <button
          type="button"
          class="small"
          onClick={() =>
            attempt(async () => {
              await test(webhookId);
              setNote("A test event is on its way.");
              setShowDeliveries(true);
            })
          }
        >
          Send a test event<span class="visually-hidden"> to {webhook.url}</span>
        </button>
        <button
          type="button"
          class="small"
          onClick={() => attempt(async () => onRotated((await rotateSecret(webhookId)).secret))}
        >
          Rotate the secret<span class="visually-hidden"> of {webhook.url}</span>
        </button>
        {!webhook.enabled && (
          <button
            type="button"
            class="small"
            onClick={() =>
              attempt(async () => {
                await enable(webhookId);
                await onChanged();
              })
            }
          >
            Enable again<span class="visually-hidden"> {webhook.url}</span>
          </button>
        )}
        <ConfirmButton
          label="Delete"
          what={webhook.url}
          question="Delete this webhook and its deliveries?"
          yes="Delete the webhook"
          onYes={() =>
            attempt(async () => {
              await calls.delete(webhookId);
              await onChanged();
            })
          }
        />
      </div>
      {note && <p role="status">{note}</p>}
      <ErrorLine error={error} />
      {showDeliveries && <Deliveries webhookId={webhookId} load={deliveries} redeliver={redeliver} />}
    </li>
  );
}

/** An endpoint's newest deliveries (50), with how the latest attempt of each went. */
function Deliveries({
  webhookId,
  load: loadDeliveries,
  redeliver,
}: {
  webhookId: string;
  load: WebhookCalls["deliveries"];
  redeliver: WebhookCalls["redeliver"];
}) {
  const { value: deliveries, reload: load, error, attempt } = useLoaded(() => loadDeliveries(webhookId), [webhookId]);

  return (
    <div class="deliveries">
      <div class="section-head">
        <h3>Recent deliveries</h3>
        <button type="button" class="small" onClick={() => void load()}>
          Refresh<span class="visually-hidden"> the deliveries</span>
        </button>
      </div>
      <ErrorLine error={error} />
      {deliveries?.length === 0 && <p class="empty">Nothing sent yet.</p>}
      {deliveries && deliveries.length > 0 && (
        <table>
          <TableHead columns={["Event", "Status", "Attempts", "Last attempt"]} />
          <tbody>
            {deliveries.map((delivery) => (
              <tr key={delivery.id}>
                <td>
                  <code>{delivery.type}</code>
                </td>
                <td>{delivery.status}</td>
                <td>{delivery.attempts}</td>
                <td>{attemptText(delivery)}</td>
                <td>
                  {delivery.status !== "pending" && (
                    <button
                      type="button"
                      class="small"
                      onClick={() =>
                        attempt(async () => {
                          await redeliver(webhookId, delivery.id);
                          await load();
                        })
                      }
                    >
                      Send again<span class="visually-hidden"> {delivery.type}</span>
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
