import type { IncomingMessage, ServerResponse } from "node:http";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { deleteAccountInputSchema, NatterError } from "@natter/shared";
import type { Logger } from "pino";
import { requireScope } from "../auth/api-key-scopes.js";
import type { AuthSession } from "../auth/auth-session.js";
import { endedTokenError } from "../auth/ended-token-error.js";
import type { TrustedProxies } from "../config/trusted-proxies.js";
import { requestClientAddress } from "../rate-limit/client-address.js";
import type { Services } from "../services/services.js";
import { validationFailed } from "../trpc/validation-failed.js";
import { bearerTokenOf } from "./bearer-token.js";
import { type RequestWithBody, readJsonBodyOf } from "./json-body.js";
import { requestIdOf } from "./request-id.js";
import { BASE_HEADERS, sendJson } from "./responses.js";
import { onlyMethods, refuseQuery } from "./route-guards.js";
import { type Route, route } from "./route-table.js";

/** Where the caller's data export is streamed. */
export const DATA_EXPORT_PATH = "/api/v1/me/export";
/** The caller's account: `DELETE` deletes it (other methods are procedures). */
export const ACCOUNT_PATH = "/api/v1/me";

export interface AccountDataRoutesDeps {
  services: Services;
  trustedProxies: TrustedProxies;
  logger: Logger;
}

/**
 * The two paths of a person's data that are not tRPC-over-REST procedures: the export,
 * streamed as it is read (a procedure's answer is built whole before it is sent), and
 * `DELETE /me`, whose body carries the password (trpc-to-openapi reads no body on DELETE).
 * `DELETE /me` is also the procedure `users.deleteAccount` over tRPC; the export is REST only.
 */
export function accountDataRoutes({ services, trustedProxies, logger }: AccountDataRoutesDeps): Route[] {
  const { accounts, accountData, writeLimits } = services;

  /** The signed-in person; API keys are refused (no scope covers these paths). */
  const person = async (req: IncomingMessage): Promise<AuthSession> => {
    const token = bearerTokenOf(req);
    if (token === undefined) throw new NatterError("UNAUTHENTICATED", "Sign in first");
    const found = await accounts.authenticate(token);
    if (!found) throw endedTokenError();
    requireScope(found, undefined);
    return found;
  };

  const exportData = async (req: IncomingMessage, res: ServerResponse) => {
    const caller = await person(req);
    await writeLimits.take("dataExport", {
      address: requestClientAddress(req, trustedProxies),
      userId: caller.userId,
    });
    const text = accountData.exportText(caller);
    // The first piece is read before the answer starts: a failure to begin is an error answer.
    const first = await text.next();
    res.writeHead(200, {
      ...BASE_HEADERS,
      "Content-Type": "application/json; charset=utf-8",
      "Content-Disposition": 'attachment; filename="natter-export.json"',
      "Cache-Control": "no-store",
    });
    const pieces = Readable.from(
      (async function* () {
        if (!first.done) yield first.value;
        yield* text;
      })(),
    );
    try {
      await pipeline(pieces, res);
    } catch (error) {
      // A caller who went away ends the export; anything else cuts it short (the JSON is then incomplete).
      if (!req.destroyed && !res.destroyed) throw error;
      if ((error as NodeJS.ErrnoException).code !== "ERR_STREAM_PREMATURE_CLOSE") {
        logger.warn({ reqId: requestIdOf(req), err: error }, "data export cut short");
      }
    }
  };

  const deleteAccount = async (req: RequestWithBody, res: ServerResponse) => {
    await readJsonBodyOf(req);
    const caller = await person(req);
    const parsed = deleteAccountInputSchema.safeParse(req.body ?? {});
    if (!parsed.success) throw validationFailed(parsed.error.issues);
    await accountData.deleteOwn(caller, parsed.data.password);
    sendJson(res, 200, { ok: true }, { "Cache-Control": "no-store" });
  };

  return [
    route("*", DATA_EXPORT_PATH, (req, res, { search }) => {
      onlyMethods(req, ["GET"]);
      refuseQuery(search);
      return exportData(req, res);
    }),
    // Only DELETE: GET and PATCH /me go on to the procedures.
    route(["DELETE"], ACCOUNT_PATH, (req, res, { search }) => {
      refuseQuery(search);
      return deleteAccount(req, res);
    }),
  ];
}
