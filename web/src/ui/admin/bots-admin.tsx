import type { ApiKeyScope, Bot } from "@natter/client";
import { useState } from "preact/hooks";
import { API_KEY_SCOPE_LABELS, API_KEY_SCOPES } from "../../admin/integration-labels.js";
import type { ChatSession } from "../../chat/chat-session.js";
import { ErrorLine, useFailure, useLoaded } from "../../failures/use-failure.js";
import { ChoiceBoxes } from "../controls/choice-boxes.js";
import { ConfirmButton } from "../controls/confirm-button.js";
import { ShownOnce } from "../controls/shown-once.js";
import { TableHead } from "../controls/table-head.js";

/**
 * Bot accounts for server admins: make one, list them, and manage each one's API keys (a
 * key is shown once, when it is made; revoking one ends its open connections at once).
 */
export function BotsAdmin({ session }: { session: ChatSession }) {
  const [username, setUsername] = useState("");
  const [displayName, setDisplayName] = useState("");
  const api = session.client.trpc.bots;
  const { value: bots, reload: load, error, attempt } = useLoaded(async () => (await api.list.query()).bots, [session]);

  const create = async (event: Event) => {
    event.preventDefault();
    await attempt(async () => {
      await api.create.mutate({ username: username.trim(), displayName: displayName.trim() });
      setUsername("");
      setDisplayName("");
      await load();
    });
  };

  return (
    <section class="admin-section" aria-labelledby="bots-title">
      <h2 id="bots-title">Bots and API keys</h2>
      <p class="hint">
        A bot cannot log in with a password: it acts through API keys (<code>Authorization: Bearer ntr_…</code>), each
        limited to its scopes. Room owners add bots to rooms as they add people.
      </p>
      <form class="integration-form" onSubmit={create}>
        <label for="bot-username">Bot username</label>
        <input id="bot-username" required value={username} onInput={(e) => setUsername(e.currentTarget.value)} />
        <label for="bot-display-name">Bot display name</label>
        <input
          id="bot-display-name"
          required
          value={displayName}
          onInput={(e) => setDisplayName(e.currentTarget.value)}
        />
        <button type="submit" class="primary">
          Create the bot
        </button>
      </form>
      <ErrorLine error={error} />
      {bots === null && !error && <p role="status">Loading the bots…</p>}
      {bots?.length === 0 && <p class="empty">No bots yet.</p>}
      {bots && bots.length > 0 && (
        <ul class="integration-list" aria-label="Bots">
          {bots.map((bot) => (
            <BotRow key={bot.id} session={session} bot={bot} onChanged={load} />
          ))}
        </ul>
      )}
    </section>
  );
}

function BotRow({ session, bot, onChanged }: { session: ChatSession; bot: Bot; onChanged: () => unknown }) {
  const [open, setOpen] = useState(false);
  const { error, attempt } = useFailure();
  // Deleting revokes its keys, deletes its incoming webhooks and removes it as an account deletion does.
  const remove = () =>
    attempt(async () => {
      await session.client.trpc.bots.delete.mutate({ userId: bot.id });
      await onChanged();
    });
  return (
    <li class="integration-item" aria-label={`Bot ${bot.username}`}>
      <p>
        <strong class="integration-name">{bot.displayName}</strong> <span class="hint">@{bot.username}</span>{" "}
        <span class="tag">bot</span> <span class="hint">{bot.keyCount === 1 ? "1 key" : `${bot.keyCount} keys`}</span>
      </p>
      <button type="button" class="small" aria-expanded={open} onClick={() => setOpen(!open)}>
        API keys<span class="visually-hidden"> of {bot.username}</span>
      </button>
      <ConfirmButton
        label="Delete"
        what={`bot ${bot.username}`}
        yes={`Delete ${bot.username}, its keys and its incoming webhooks`}
        onYes={remove}
      />
      <ErrorLine error={error} />
      {open && <ApiKeys session={session} bot={bot} onChanged={onChanged} />}
    </li>
  );
}

function ApiKeys({ session, bot, onChanged }: { session: ChatSession; bot: Bot; onChanged: () => unknown }) {
  const [name, setName] = useState("");
  const [scopes, setScopes] = useState<ReadonlySet<ApiKeyScope>>(new Set(["messages:read", "messages:write"]));
  const [expires, setExpires] = useState("");
  const [made, setMade] = useState<{ label: string; value: string } | null>(null);
  const api = session.client.trpc.bots;
  const userId = bot.id;
  const {
    value: keys,
    reload: load,
    error,
    attempt,
  } = useLoaded(async () => (await api.keys.query({ userId })).apiKeys, [userId]);

  const create = async (event: Event) => {
    event.preventDefault();
    await attempt(async () => {
      const expiresAt = expires ? new Date(`${expires}T23:59:59`).toISOString() : undefined;
      const result = await api.createKey.mutate({ userId, name: name.trim(), scopes: [...scopes], expiresAt });
      setMade({ label: `API key ${result.apiKey.name}`, value: result.key });
      setName("");
      await load();
      await onChanged();
    });
  };

  const revoke = (keyId: string) =>
    attempt(async () => {
      await api.revokeKey.mutate({ userId, keyId });
      await load();
      await onChanged();
    });

  const formId = `key-form-${userId}`;
  return (
    <div class="api-keys">
      <form class="integration-form" onSubmit={create} aria-label={`New API key for ${bot.username}`}>
        <label for={`${formId}-name`}>Key name</label>
        <input id={`${formId}-name`} required value={name} onInput={(e) => setName(e.currentTarget.value)} />
        <ChoiceBoxes
          legend="Scopes"
          choices={API_KEY_SCOPES}
          label={(scope) => (
            <>
              <code>{scope}</code> {API_KEY_SCOPE_LABELS[scope]}
            </>
          )}
          chosen={scopes}
          onChange={setScopes}
        />
        <label for={`${formId}-expires`}>Expires (optional)</label>
        <input
          id={`${formId}-expires`}
          type="date"
          value={expires}
          onInput={(e) => setExpires(e.currentTarget.value)}
        />
        <button type="submit" class="primary" disabled={scopes.size === 0}>
          Create the key
        </button>
      </form>
      {made && <ShownOnce label={made.label} value={made.value} onDone={() => setMade(null)} />}
      <ErrorLine error={error} />
      {keys?.length === 0 && <p class="empty">No keys.</p>}
      {keys && keys.length > 0 && (
        <table aria-label={`API keys of ${bot.username}`}>
          <TableHead columns={["Name", "Key", "Scopes", "Last used"]} />
          <tbody>
            {keys.map((key) => (
              <tr key={key.id}>
                <td>{key.name}</td>
                <td>
                  <code>{key.prefix}…</code>
                </td>
                <td>{key.scopes.join(", ")}</td>
                <td>
                  {key.lastUsedAt ? new Date(key.lastUsedAt).toLocaleString() : "never"}
                  {key.expiresAt && ` · expires ${new Date(key.expiresAt).toLocaleDateString()}`}
                </td>
                <td>
                  <ConfirmButton
                    label="Revoke"
                    what={key.name}
                    yes={`Revoke ${key.name} now`}
                    onYes={() => revoke(key.id)}
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
