import type { NatterClient } from "@natter/client";
import { useState } from "preact/hooks";
import { errorText } from "../failures/error-text.js";
import { ErrorLine } from "../failures/use-failure.js";

/** Sign in or create an account. */
export function AuthScreen({ client }: { client: NatterClient }) {
  const [mode, setMode] = useState<"sign-in" | "sign-up">("sign-in");
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const signingUp = mode === "sign-up";

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      if (signingUp) await client.signUp(username, password);
      else await client.logIn(username, password);
    } catch (failure) {
      setError(errorText(failure));
      setBusy(false);
    }
  };

  return (
    <main class="auth">
      <h1 class="brand">natter</h1>
      <form class="card auth-form" onSubmit={submit} aria-labelledby="auth-title">
        <h2 id="auth-title">{signingUp ? "Create an account" : "Sign in"}</h2>
        <label for="auth-username">Username</label>
        <input
          id="auth-username"
          name="username"
          autocomplete="username"
          required
          minLength={3}
          maxLength={32}
          value={username}
          onInput={(event) => setUsername(event.currentTarget.value)}
        />
        <label for="auth-password">Password</label>
        <input
          id="auth-password"
          name="password"
          type="password"
          autocomplete={signingUp ? "new-password" : "current-password"}
          required
          minLength={signingUp ? 8 : 1}
          maxLength={256}
          value={password}
          onInput={(event) => setPassword(event.currentTarget.value)}
        />
        {signingUp && <p class="hint">At least 8 characters.</p>}
        <ErrorLine error={error} />
        <button type="submit" class="primary" disabled={busy}>
          {signingUp ? "Sign up" : "Sign in"}
        </button>
        <p class="switch">
          {signingUp ? "Have an account? " : "New here? "}
          <button
            type="button"
            class="link"
            onClick={() => {
              setMode(signingUp ? "sign-in" : "sign-up");
              setError(null);
            }}
          >
            {signingUp ? "Sign in" : "Create an account"}
          </button>
        </p>
      </form>
      <p class="footnote">
        API reference at <a href="/docs">/docs</a>.
      </p>
    </main>
  );
}
