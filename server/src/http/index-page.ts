/** The page at `/` when the chat app is not built: what this server is and where to go next. */
export function renderIndexPage(version: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>natter</title>
<style>
body { font: 16px/1.5 system-ui, sans-serif; max-width: 42rem; margin: 3rem auto; padding: 0 1rem; color: #1d2330; }
code { background: #f1f3f7; padding: 0.1rem 0.3rem; border-radius: 4px; }
a { color: #2251c9; }
</style>
</head>
<body>
<h1>natter <small>${version}</small></h1>
<p>A chat backend: accounts, rooms, messages and live room events.</p>
<p>The chat app is not built yet: in the natter repository, run <code>npm run build</code> (or <code>npm start</code>) and reload.</p>
<ul>
<li><a href="/docs">API reference</a>: every REST path, with a console to try them.</li>
<li><a href="/openapi.json">OpenAPI document</a>: generate a client in any language.</li>
<li>tRPC at <code>/trpc</code> (HTTP and WebSocket): use the typed <code>@natter/client</code> SDK.</li>
<li><a href="/healthz">Health</a></li>
</ul>
<p>Start with <code>POST /api/v1/users</code> <code>{"username", "password"}</code> to sign up.</p>
</body>
</html>
`;
}
