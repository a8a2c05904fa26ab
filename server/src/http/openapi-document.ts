import {
  dataExportSchema,
  deleteAccountInputSchema,
  ERROR_HTTP_STATUS,
  type ErrorCode,
  errorBodySchema,
  inboxEventSchema,
  roomEventSchema,
  uploadResultSchema,
} from "@natter/shared";
import type { OpenAPIObject } from "trpc-to-openapi";
import { z } from "zod";
import type { AppRouter } from "../routers/app-router.js";
import type { ProcedureMeta } from "../trpc/meta.js";
import { procedureMeta } from "../trpc/procedure-meta.js";
import { accountDataOperations } from "./account-data-openapi.js";
import { roomEventStreamPathItems } from "./room-event-stream-openapi.js";
import { type PlainPathDocumentParts, uploadPathItems } from "./upload-openapi.js";

/** Where the REST paths are served. */
export const REST_PREFIX = "/api/v1";

const ERROR_RESPONSE_REF = "#/components/schemas/ErrorResponse";

/**
 * The OpenAPI 3.1 document of the REST paths, as REST callers see them: for each operation
 * the error codes it may answer, grouped by status, each with natter's error body; 201 where
 * a success creates something; and a bearer token optional where a procedure is public.
 */
export async function createOpenApiDocument(router: AppRouter, version: string): Promise<OpenAPIObject> {
  // Imported only here and in the REST handler: with its dependencies, it is over half the server's code.
  const { generateOpenApiDocument } = await import("trpc-to-openapi");
  const document = generateOpenApiDocument(router, {
    title: "natter",
    description:
      "A chat backend: accounts, rooms, messages and live events. Send `Authorization: Bearer <token>` " +
      "from sign-up or log-in, or a bot's API key (`ntr_…`), which may call only the operations whose " +
      "`x-api-key-scope` it holds (`messages:read`, `messages:write`, `rooms:read`, `rooms:write`, `users:read`; " +
      "null: no key may), else 403 INSUFFICIENT_SCOPE. Every error answers `{ error: { code, message } }` with a " +
      "stable `code`.",
    version,
    baseUrl: REST_PREFIX,
    securitySchemes: { bearerAuth: { type: "http", scheme: "bearer" } },
    defs: {
      ErrorResponse: z.object({ error: errorBodySchema }),
      UploadResult: uploadResultSchema,
      RoomEvent: roomEventSchema,
      InboxEvent: inboxEventSchema,
      DataExport: dataExportSchema,
      DeleteAccountInput: deleteAccountInputSchema,
    },
  });
  document.info.license = { name: "MIT", identifier: "MIT" };
  document.info.contact = { name: "natter maintainers" };
  for (const pathItem of Object.values(document.paths ?? {})) {
    for (const [method, operation] of Object.entries(pathItem) as [string, OperationObject][]) {
      if (typeof operation !== "object" || operation === null || !("responses" in operation)) continue;
      const meta = procedureMeta(router, String(operation.operationId ?? "").replace(/-/g, "."));
      const { responses } = operation;
      for (const status of Object.keys(responses)) if (Number(status) >= 400) delete responses[status];
      for (const [status, codes] of errorCodesByStatus(method, operation, meta)) {
        responses[String(status)] = errorResponse(status, codes);
      }
      if (meta?.successStatus && meta.successStatus !== 200 && responses["200"]) {
        responses[String(meta.successStatus)] = responses["200"];
        if (!meta.createdFlag) delete responses["200"];
      }
      // A public procedure still reads a token when one is sent (a member reading a closed room).
      if (meta?.access === "public") operation.security = [{}, { bearerAuth: [] }];
      // The API key scope it needs; null: no API key may call it.
      (operation as OperationObject & { "x-api-key-scope"?: string | null })["x-api-key-scope"] = meta?.scope ?? null;
    }
  }
  // Plain HTTP routes, documented by hand beside the procedures.
  const parts: PlainPathDocumentParts = {
    ref: (name) => ({ $ref: `#/components/schemas/${name}` }),
    // Any path may meet an outage of what it depends on.
    errorResponses: (codes) =>
      Object.fromEntries(
        groupByStatus([...codes, ...OUTAGES]).map(([status, list]) => [String(status), errorResponse(status, list)]),
      ),
  };
  Object.assign(document.paths ?? {}, uploadPathItems(parts), roomEventStreamPathItems(parts));
  const paths = document.paths ?? {};
  for (const [path, operations] of Object.entries(accountDataOperations(parts))) {
    paths[path] = { ...paths[path], ...operations };
  }
  declareTags(document);
  pruneUnusedSchemas(document);
  return document;
}

/**
 * One error status of an operation: natter's error body, its `code` narrowed to the codes this
 * operation answers with this status (so generated clients can switch on it exhaustively).
 */
function errorResponse(status: number, codes: ErrorCode[]) {
  return {
    description: codes.map((code) => `\`${code}\``).join(", "),
    ...((status === 429 || status === 503) && {
      headers: {
        "Retry-After": {
          description: "Seconds to wait before trying again.",
          schema: { type: "integer", minimum: 1 },
        },
      },
    }),
    content: {
      "application/json": {
        schema: {
          allOf: [
            { $ref: ERROR_RESPONSE_REF },
            {
              type: "object",
              properties: { error: { type: "object", properties: { code: { type: "string", enum: codes } } } },
            },
          ],
        },
      },
    },
  };
}

/** What each group of operations is for; every tag an operation uses is declared once, here. */
const TAG_DESCRIPTIONS: Record<string, string> = {
  auth: "Signing up, logging in and out, passwords.",
  users: "People: yourself, others, finding them.",
  sessions: "Your sessions on every device.",
  rooms: "Rooms, their members and roles.",
  messages: "Sending, editing and reading messages and threads; read cursors and read receipts.",
  reactions: "Emoji reactions to messages, and who reacted.",
  pins: "A room's pinned messages.",
  signals: "Typing and presence.",
  admin: "Server administration: stats, activity, moderation. Server admins only.",
  uploads: "Images and attachments.",
  "direct messages": "One-to-one rooms, and blocking people.",
  inbox: "Your inbox: one live stream of what concerns you across all your rooms.",
  moderation: "Reports of messages and their review by room admins and server admins.",
  search: "Full-text search over the messages you may read.",
  bots: "Bot accounts and their API keys. Server admins only.",
  webhooks:
    "Outgoing webhooks, signed as the Standard Webhooks specification says: server admins manage every endpoint, " +
    "room owners their own room's.",
};

function declareTags(document: OpenAPIObject): void {
  const used = new Set<string>();
  for (const pathItem of Object.values(document.paths ?? {})) {
    for (const operation of Object.values(pathItem) as { tags?: string[] }[]) {
      for (const tag of operation?.tags ?? []) used.add(tag);
    }
  }
  document.tags = [...used].sort().map((name) => ({
    name,
    ...(TAG_DESCRIPTIONS[name] !== undefined && { description: TAG_DESCRIPTIONS[name] }),
  }));
}

/**
 * Drops component schemas nothing refers to: trpc-to-openapi adds default error schemas
 * (`Error`, `error.NOT_FOUND`, …) that natter's error body replaces, and which would otherwise
 * shadow names like `Error` in generated clients.
 */
function pruneUnusedSchemas(document: OpenAPIObject): void {
  const schemas = document.components?.schemas;
  if (!schemas) return;
  const referenced = new Set<string>();
  const prefix = "#/components/schemas/";
  const visit = (value: unknown): void => {
    if (typeof value !== "object" || value === null) return;
    for (const [key, inner] of Object.entries(value)) {
      if (key === "$ref" && typeof inner === "string" && inner.startsWith(prefix)) {
        const name = decodeURIComponent(inner.slice(prefix.length));
        if (!referenced.has(name)) {
          referenced.add(name);
          visit(schemas[name]);
        }
      } else visit(inner);
    }
  };
  visit({ ...document, components: { ...document.components, schemas: {} } });
  for (const name of Object.keys(schemas)) if (!referenced.has(name)) delete schemas[name];
}

/**
 * The document as served to one request: `servers` names the absolute URL the caller reached,
 * so generated clients and tools run from Node work without a base URL of their own.
 */
export function withAbsoluteServer(document: OpenAPIObject, origin: string | undefined): OpenAPIObject {
  if (origin === undefined) return document;
  return { ...document, servers: [{ url: `${origin}${REST_PREFIX}` }] };
}

interface OperationObject {
  operationId?: string;
  parameters?: unknown[];
  requestBody?: unknown;
  security?: Record<string, string[]>[];
  responses: Record<string, { description: string; content?: unknown }>;
}

/** An outage of the database, Redis or the disk: 503 with `Retry-After`, on any path. */
const OUTAGES: readonly ErrorCode[] = ["UNAVAILABLE"];
/**
 * Every call may be refused for a malformed request (a path that does not decode, a `.`
 * segment), an unknown query field, a malformed or ended token, fail internally, find
 * the database too busy to make its change (PostgreSQL, after retries), or meet an outage.
 */
const ANY_CALL: readonly ErrorCode[] = [
  "VALIDATION_FAILED",
  "MALFORMED_REQUEST",
  "UNAUTHENTICATED",
  "INTERNAL",
  "BUSY",
  ...OUTAGES,
];
/** A request of a method with a body may send one, even where the operation reads none. */
const WITH_BODY: readonly ErrorCode[] = ["MALFORMED_REQUEST", "PAYLOAD_TOO_LARGE", "UNSUPPORTED_MEDIA_TYPE"];
const BODY_METHODS = new Set(["post", "put", "patch"]);
/** A path parameter left empty (`/rooms//members`) matches no operation: 404 NOT_FOUND. */
const WITH_PATH_PARAMETERS: readonly ErrorCode[] = ["NOT_FOUND"];

/** The error codes an operation may answer, grouped by their HTTP status, in status order. */
function errorCodesByStatus(
  method: string,
  operation: OperationObject,
  meta: ProcedureMeta | undefined,
): [number, ErrorCode[]][] {
  const hasPathParameters = (operation.parameters ?? []).some((p) => (p as { in?: string }).in === "path");
  return groupByStatus([
    ...ANY_CALL,
    ...(BODY_METHODS.has(method) ? WITH_BODY : []),
    ...(hasPathParameters ? WITH_PATH_PARAMETERS : []),
    ...(meta?.errors ?? []),
    ...(meta?.rateLimit ? (["RATE_LIMITED"] as const) : []),
    ...(meta?.access === "admin" ? (["FORBIDDEN"] as const) : []),
    // Any call may come with an API key that lacks the scope (or any key, where none may be used).
    "INSUFFICIENT_SCOPE",
  ]);
}

/** Error codes grouped by their HTTP status, in status order, each once. */
function groupByStatus(codes: Iterable<ErrorCode>): [number, ErrorCode[]][] {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of new Set(codes)) {
    const status = ERROR_HTTP_STATUS[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return [...byStatus].sort(([a], [b]) => a - b);
}

/**
 * Every REST operation of the router's procedures as `[METHOD, template]`, templates below the
 * REST prefix, as trpc-to-openapi serves and documents them (a leading slash, none trailing).
 * Read from the procedures' meta, so that naming a request needs no document.
 */
export function restOperationsOf(router: AppRouter): [string, string][] {
  return Object.keys(router._def.procedures).flatMap((path): [string, string][] => {
    const openapi = procedureMeta(router, path)?.openapi;
    return openapi ? [[openapi.method, `/${openapi.path.replace(/^\/|\/$/g, "")}`]] : [];
  });
}
