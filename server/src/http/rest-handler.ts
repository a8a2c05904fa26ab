import type { IncomingMessage, ServerResponse } from "node:http";
import { type ErrorBody, LIMITS, NatterError } from "@natter/shared";
import type { Logger } from "pino";
import type { AppRouter } from "../routers/app-router.js";
import type { Services } from "../services/services.js";
import { procedureMeta, responseHeadersFor } from "../trpc/procedure-meta.js";
import { httpContextFactory } from "./create-context.js";
import { BASE_HEADERS } from "./responses.js";

/** Serves the REST paths of every procedure with OpenAPI meta; called with the path below the prefix. */
export function createRestHandler(router: AppRouter, services: Services, logger: Logger) {
  // Made at the first REST call: trpc-to-openapi is over half the server's code, and outside
  // production it generates the whole document to validate the router when a handler is made.
  const createHandler = async () => {
    const { createOpenApiNodeHttpHandler } = await import("trpc-to-openapi");
    return createOpenApiNodeHttpHandler({
      router,
      createContext: httpContextFactory(services, "rest"),
      maxBodySize: LIMITS.maxRequestBodyBytes,
      responseMeta: ({ paths, errors, ctx, type }) => {
        const path = paths?.[0];
        const status = errors.length === 0 && path ? procedureMeta(router, path)?.successStatus : undefined;
        const headers = { ...BASE_HEADERS, ...responseHeadersFor(router, { paths, errors, ctx, type }) };
        return { headers, ...(status && { status }) };
      },
      onError: ({ error, path }) => {
        if (error.code === "INTERNAL_SERVER_ERROR")
          logger.error({ err: error.cause ?? error, path }, "procedure failed");
      },
    });
  };
  let handler: ReturnType<typeof createHandler> | undefined;

  return async (req: IncomingMessage & { query?: unknown }, res: ServerResponse, target: string) => {
    req.url = target;
    req.query = parseQuery(target);
    reshapeErrorBodies(res);
    handler ??= createHandler();
    await (await handler)(req, res);
  };
}

/**
 * The query of a REST call as trpc-to-openapi reads it (each key's values, in order), parsed
 * here because its own parser throws on a key named like an `Object.prototype` member
 * (`?constructor=1`). Such a key is no field of any input: it is refused as unknown.
 */
function parseQuery(target: string): Record<string, string[]> {
  const query: Record<string, string[]> = Object.create(null);
  const queryAt = target.indexOf("?");
  for (const [key, value] of new URLSearchParams(queryAt === -1 ? "" : target.slice(queryAt))) {
    if (key in Object.prototype) {
      throw new NatterError("VALIDATION_FAILED", "Input validation failed", {
        issues: [{ path: key, message: "unknown field" }],
      });
    }
    query[key] = [...(query[key] ?? []), value];
  }
  return query;
}

/**
 * trpc-to-openapi writes errors as `{message, code: <tRPC code>, ...shape}`. REST callers
 * get natter's own body instead, `{error: {code, message, ...}}`, built by the error
 * formatter and carried in the shape's `data.error`.
 */
function reshapeErrorBodies(res: ServerResponse): void {
  const end = res.end.bind(res) as (chunk?: unknown) => ServerResponse;
  res.end = ((chunk?: unknown) => {
    if (res.statusCode >= 400 && typeof chunk === "string") {
      const shape = JSON.parse(chunk) as { data?: { error?: ErrorBody } };
      const error: ErrorBody = shape.data?.error ?? { code: "INTERNAL", message: "Internal server error" };
      return end(JSON.stringify({ error }));
    }
    return end(chunk);
  }) as ServerResponse["end"];
}
