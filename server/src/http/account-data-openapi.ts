import type { ErrorCode } from "@natter/shared";
import type { PlainPathDocumentParts } from "./upload-openapi.js";

const EXPORT_ERRORS: ErrorCode[] = [
  "INSUFFICIENT_SCOPE",
  "VALIDATION_FAILED",
  "MALFORMED_REQUEST",
  "UNAUTHENTICATED",
  "RATE_LIMITED",
  "INTERNAL",
];

const DELETE_ERRORS: ErrorCode[] = [
  "INSUFFICIENT_SCOPE",
  "VALIDATION_FAILED",
  "MALFORMED_REQUEST",
  "UNAUTHENTICATED",
  "INVALID_CREDENTIALS",
  "PAYLOAD_TOO_LARGE",
  "UNSUPPORTED_MEDIA_TYPE",
  "RATE_LIMITED",
  "INTERNAL",
];

/**
 * The OpenAPI operations of a person's data that are plain routes: `GET /me/export` and
 * `DELETE /me`, keyed by path and method (`/me` also has procedures' methods, merged in).
 */
export function accountDataOperations({ ref, errorResponses }: PlainPathDocumentParts) {
  return {
    "/me/export": {
      get: {
        operationId: "users-export",
        tags: ["users"],
        summary: "A copy of your data",
        description:
          "Everything natter holds about you (GDPR articles 15 and 20) as one JSON document (`DataExport`), " +
          "streamed as it is read (a long history is never held whole in memory): your profile, sessions (no " +
          "tokens), rooms with your role and read position, every message you wrote, your reactions, uploads " +
          "(with their URL and SHA-256, not their bytes), reports you made, people you blocked, your mutes, and " +
          "the API keys you created (no keys). natter keeps no earlier versions of an edited message: an edit " +
          "replaces the text (`editedAt` says when). Not a snapshot: what changes while it streams may show in " +
          "one section and not another. One export per hour (`NATTER_DATA_EXPORT_RATE_PER_ACCOUNT`; 429 " +
          "`RATE_LIMITED` with `Retry-After`), counted when it starts. A failure after the answer began cuts the " +
          "connection, leaving the JSON incomplete. People only: API keys are refused. REST only: no tRPC procedure.",
        security: [{ bearerAuth: [] }],
        "x-api-key-scope": null,
        responses: {
          "200": {
            description: "The export, as an attachment `natter-export.json`.",
            content: { "application/json": { schema: ref("DataExport") } },
          },
          ...errorResponses(EXPORT_ERRORS),
        },
      },
    },
    "/me": {
      delete: {
        operationId: "users-deleteAccount",
        tags: ["users"],
        summary: "Delete your account",
        description:
          "Deletes your account once `password` is given again (401 `INVALID_CREDENTIALS` when wrong; wrong " +
          "guesses are throttled as for a password change). Every session ends at once on every node (sockets " +
          "close with 4401). Rooms you own pass to their longest-standing admin, else member, or are deleted " +
          "when you were the last one in, as when leaving. Your messages stay in place authored by a deleted-user " +
          'placeholder (`deleted-<id>`, display name "Deleted user"): as tombstones without body (each a ' +
          "`message.deleted` event; no replay shows what you wrote, edits included), or, on a server with " +
          "`NATTER_ACCOUNT_DELETION=keep-messages`, with their bodies (`message.edited` where an attachment " +
          "went). Your uploads and avatar are deleted (attachments leave their messages), and so are your " +
          "reactions (`reaction.removed`), read positions, blocks, mutes, inbox and bots' keys if you are a " +
          "bot; bots and webhooks you created stay, no longer naming you. Your username stays reserved for 30 " +
          "days, then anyone may sign up with it. Also `users.deleteAccount` over tRPC and `natter users delete`.",
        security: [{ bearerAuth: [] }],
        "x-api-key-scope": null,
        requestBody: {
          required: true,
          content: { "application/json": { schema: ref("DeleteAccountInput") } },
        },
        responses: {
          "200": {
            description: "The account is deleted.",
            content: {
              "application/json": {
                schema: { type: "object", required: ["ok"], properties: { ok: { type: "boolean", enum: [true] } } },
              },
            },
          },
          ...errorResponses(DELETE_ERRORS),
        },
      },
    },
  };
}
