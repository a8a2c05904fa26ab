import { useState } from "preact/hooks";
import type { ChatSession } from "../chat/chat-session.js";
import { ErrorLine, useLoaded } from "../failures/use-failure.js";
import { ConfirmButton } from "./controls/confirm-button.js";
import { ShownOnce } from "./controls/shown-once.js";

/**
 * A room's incoming webhooks, for its owner (and server admins holding a role in it): make a
 * URL that posts `{ "text": "…" }` into the room as the hook's bot (shown once, to copy), list
 * them, delete one (its URL answers 404 from then on).
 */
export function IncomingWebhooksPanel({ session, roomId }: { session: ChatSession; roomId: string }) {
  const [name, setName] = useState("");
  const [made, setMade] = useState<{ label: string; value: string } | null>(null);
  const api = session.client.trpc.incomingWebhooks;
  const {
    value: hooks,
    reload: load,
    error,
    attempt,
  } = useLoaded(async () => (await api.list.query({ roomId })).incomingWebhooks, [roomId]);

  const create = async (event: Event) => {
    event.preventDefault();
    await attempt(async () => {
      const result = await api.create.mutate({ roomId, name: name.trim() });
      setMade({ label: `URL of ${result.incomingWebhook.name}`, value: new URL(result.url, location.origin).href });
      setName("");
      await load();
    });
  };

  const remove = (hookId: string) =>
    attempt(async () => {
      await api.delete.mutate({ roomId, hookId });
      await load();
    });

  return (
    <section class="incoming-webhooks" aria-labelledby="incoming-webhooks-title">
      <h2 id="incoming-webhooks-title">Incoming webhooks</h2>
      <p class="hint">
        Other tools post here with <code>POST {'{ "text": "…" }'}</code> to the hook's URL; posts show the hook's bot.
      </p>
      <form class="integration-form" onSubmit={create}>
        <label for="incoming-webhook-name">Hook name</label>
        <input id="incoming-webhook-name" required value={name} onInput={(e) => setName(e.currentTarget.value)} />
        <button type="submit" class="small">
          Create the hook
        </button>
      </form>
      {made && <ShownOnce label={made.label} value={made.value} onDone={() => setMade(null)} />}
      <ErrorLine error={error} />
      {hooks?.length === 0 && <p class="empty">No hooks.</p>}
      {hooks && hooks.length > 0 && (
        <ul class="integration-list" aria-label="Incoming webhooks">
          {hooks.map((hook) => (
            <li key={hook.id} class="integration-item">
              <span class="integration-name">{hook.name}</span>{" "}
              <ConfirmButton
                label="Delete"
                what={hook.name}
                yes={`Delete ${hook.name} now`}
                onYes={() => remove(hook.id)}
              />
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
