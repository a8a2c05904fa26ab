import type { IncomingMessage, ServerResponse } from "node:http";
import { LIMITS, NatterError } from "@natter/shared";
import { nodeHTTPRequestHandler } from "@trpc/server/adapters/node-http";
import type { Logger } from "pino";
import type { TrustedProxies } from "../config/trusted-proxies.js";
import type { AppRouter } from "../routers/app-router.js";
import type { Services } from "../services/services.js";
import type { RequestContext } from "../trpc/context.js";
import {
  type AnyProcedure,
  connectionSignal,
  getErrorShape,
  getHTTPStatusCode,
  getTRPCErrorFromUnknown,
  runProcedure,
  TRPCError,
  transformTRPCResponse,
} from "../trpc/procedure-core.js";
import { responseHeadersFor } from "../trpc/procedure-meta.js";
import { jsonBody } from "./ascii-json.js";
import { httpContextFactory } from "./create-context.js";
import type { RequestWithBody } from "./json-body.js";
import type { RoomEventStreams } from "./room-event-streams.js";

/** A call `answerSingleCall` serves: one query asked with GET or one mutation with POST. */
interface SingleCall {
  path: string;
  type: "query" | "mutation";
  procedure: AnyProcedure;
  /** The `input` query parameter of a GET, still JSON text. */
  queryInput: string | null;
}

/**
 * Serves tRPC over HTTP (batching on); called with the procedure path(s) below the prefix.
 *
 * The commonest request, one query by GET or one mutation by POST with a JSON input and no
 * streaming (what `httpLink` sends, and `@natter/client` sends every message so), is
 * answered here straight from node:http's request: the same context, the procedure run as
 * tRPC's caller runs it (so every middleware, validator and the error formatter apply), the
 * same body, status and headers as tRPC's handler answers, without its web `Request`,
 * `AbortSignal`s, `Response` and stream piping per call. Everything else (batches, streaming, wrong methods, unknown
 * paths, other content types) goes to tRPC's own handler.
 */
export function createTrpcHttpHandler(
  router: AppRouter,
  services: Services,
  logger: Logger,
  proxies: TrustedProxies,
  eventStreams: Pick<RoomEventStreams, "admitTrpcStream">,
) {
  const createContext = httpContextFactory(services, "http", proxies);
  // A subscription asked over HTTP is served as Server-Sent Events (`httpSubscriptionLink`): a
  // live connection like a WebSocket, admitted under the same ceilings and ended with its session.
  const createStreamContext = async ({ req, res }: { req: IncomingMessage; res: ServerResponse }) => {
    const ctx = await createContext({ req });
    if (ctx.endedToken) return ctx;
    return { ...ctx, subscriptions: await eventStreams.admitTrpcStream(req, res, ctx.session) };
  };
  // Keyed by dotted path (`messages.send`), as tRPC keeps them.
  const procedures = router._def.procedures as unknown as Record<string, AnyProcedure>;
  const onError = ({ error, path }: { error: TRPCError; path: string | undefined }) => {
    if (error.code === "INTERNAL_SERVER_ERROR") logger.error({ err: error.cause ?? error, path }, "procedure failed");
  };

  const answerSingleCall = async (
    req: RequestWithBody,
    res: ServerResponse,
    { path, type, procedure, queryInput }: SingleCall,
  ) => {
    let input: unknown;
    const getRawInput = async () => {
      if (type === "mutation") input = req.body;
      else if (queryInput) {
        try {
          input = JSON.parse(queryInput);
        } catch (cause) {
          // As tRPC's input reader refuses it, when the procedure first asks for its input.
          throw new TRPCError({ code: "BAD_REQUEST", message: (cause as Error).message, cause });
        }
      }
      return input;
    };
    let ctx: RequestContext | undefined;
    let answer: object;
    let status = 200;
    const errors: TRPCError[] = [];
    try {
      ctx = await createContext({ req });
      const data = await runProcedure(procedure, { path, type, ctx, getRawInput, signal: connectionSignal(res) });
      answer = { result: { data } };
    } catch (cause) {
      const error = getTRPCErrorFromUnknown(cause);
      errors.push(error);
      onError({ error, path });
      answer = { error: getErrorShape({ config: router._def._config, error, type, path, input, ctx }) };
      status = getHTTPStatusCode(answer as Parameters<typeof getHTTPStatusCode>[0], errors);
    }
    const body = jsonBody(transformTRPCResponse(router._def._config, answer as never));
    res.writeHead(status, {
      vary: "trpc-accept, accept",
      "content-type": "application/json",
      ...responseHeadersFor(router, { paths: [path], errors, ctx, type }),
      "content-length": body.length,
    });
    res.end(body);
  };

  return (req: IncomingMessage, res: ServerResponse, path: string) => {
    const call = singleCall(req, path, procedures);
    if (call) return answerSingleCall(req, res, call);
    const subscribes = Object.hasOwn(procedures, path) && procedures[path]?._def.type === "subscription";
    // tRPC would answer 200 and put its refusal inside an event stream: a caller that did not ask
    // for one is told by a status and natter's error body, as every other refusal is.
    if (subscribes && !(req.method === "GET" && asksForEventStream(req))) {
      res.setHeader("Allow", "GET");
      throw new NatterError(
        "METHOD_NOT_ALLOWED",
        `${path} is a subscription: ask for it with GET and Accept: text/event-stream (httpSubscriptionLink), or over the WebSocket`,
      );
    }
    return nodeHTTPRequestHandler({
      req,
      res,
      router,
      path,
      createContext: subscribes ? createStreamContext : createContext,
      maxBodySize: LIMITS.maxRequestBodyBytes,
      allowBatching: true,
      // A batch is one request but many calls: uncapped, a single request could cost thousands.
      maxBatchSize: LIMITS.maxBatchCalls,
      responseMeta: ({ paths, errors, ctx, type }) => ({
        headers: responseHeadersFor(router, { paths, errors, ctx, type }),
      }),
      onError,
    });
  };
}

/**
 * The request as one plain call, if it is one: GET of a query or POST of a mutation, at a
 * procedure's exact path, not batched, not asking for a streamed answer, its input JSON (the
 * guards have read a POST's body as JSON; a GET has no body type or JSON's).
 */
function singleCall(
  req: IncomingMessage,
  path: string,
  procedures: Record<string, AnyProcedure>,
): SingleCall | undefined {
  const { method, headers } = req;
  if (method !== "GET" && method !== "POST") return undefined;
  if (headers["trpc-accept"] !== undefined || headers.accept?.includes("application/jsonl")) return undefined;
  if (method === "GET" && headers["content-type"] !== undefined && !isJsonType(headers["content-type"])) {
    return undefined;
  }
  const procedure = Object.hasOwn(procedures, path) ? procedures[path] : undefined;
  const type = procedure?._def.type;
  if (!procedure || !((type === "query" && method === "GET") || (type === "mutation" && method === "POST"))) {
    return undefined;
  }
  const queryAt = req.url?.indexOf("?") ?? -1;
  const query = new URLSearchParams(queryAt === -1 ? "" : req.url?.slice(queryAt));
  if (query.has("batch")) return undefined;
  return { path, type, procedure, queryInput: method === "GET" ? query.get("input") : null };
}

/** Whether a request accepts Server-Sent Events, as `EventSource` (and so `httpSubscriptionLink`) always does. */
function asksForEventStream(req: IncomingMessage): boolean {
  return req.headers.accept?.toLowerCase().includes("text/event-stream") ?? false;
}

/** Whether a Content-Type is JSON's, as tRPC tells (`application/json`, any parameters, any case). */
function isJsonType(contentType: string): boolean {
  return contentType.toLowerCase().split(";", 1)[0]?.trim() === "application/json";
}
