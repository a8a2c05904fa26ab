import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

/** Swagger UI's files, served from the installed package: nothing is fetched from a CDN. */
const ASSETS: Record<string, string> = {
  "swagger-ui.css": "text/css; charset=utf-8",
  "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
  "favicon-32x32.png": "image/png",
};

const INITIALIZER = `window.addEventListener("load", () => {
  window.ui = SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    validatorUrl: null,
  });
});
`;

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>natter API reference</title>
<link rel="icon" type="image/png" href="/docs/favicon-32x32.png">
<link rel="stylesheet" href="/docs/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script src="/docs/initializer.js"></script>
</body>
</html>
`;

/** A file of the docs page: its body and content type. */
export interface StaticFile {
  body: string | Buffer;
  contentType: string;
}

/** Serves `/docs` and its assets; files are read once, on first request. */
export function createDocsFiles(): (name: string) => StaticFile | undefined {
  const distDir = dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"));
  const cache = new Map<string, StaticFile>([
    ["", { body: PAGE, contentType: "text/html; charset=utf-8" }],
    ["initializer.js", { body: INITIALIZER, contentType: "text/javascript; charset=utf-8" }],
  ]);
  return (name) => {
    const cached = cache.get(name);
    if (cached) return cached;
    const contentType = ASSETS[name];
    if (!contentType) return undefined;
    const file = { body: readFileSync(join(distDir, name)), contentType };
    cache.set(name, file);
    return file;
  };
}
