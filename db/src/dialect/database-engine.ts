/** The engines natter runs on. */
export type DatabaseEngine = "sqlite" | "postgres";

const POSTGRES_URL = /^postgres(ql)?:\/\//;

/**
 * The engine a database URL names: `postgres://` and `postgresql://` are PostgreSQL; a file
 * path, a `file:` URL or `:memory:` is SQLite.
 */
export function engineOf(url: string): DatabaseEngine {
  return POSTGRES_URL.test(url) ? "postgres" : "sqlite";
}

/** The URL with any password masked, for logs and messages. */
export function redactDatabaseUrl(url: string): string {
  if (engineOf(url) === "sqlite") return url;
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    // An unparsable URL may still hold a secret: show only its scheme.
    return `${url.split(":")[0]}://…`;
  }
}
