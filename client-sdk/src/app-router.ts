import type {
  AnyTRPCProcedure,
  AnyTRPCRouter,
  inferRouterError,
  inferRouterInputs,
  inferRouterOutputs,
  TRPCBuiltRouter,
  TRPCMutationProcedure,
  TRPCQueryProcedure,
  TRPCSubscriptionProcedure,
} from "@trpc/server";
import type { AppRouter as ServerAppRouter } from "natter";

type RootTypes<R extends AnyTRPCRouter> = R["_def"]["_config"]["$types"];
type ProcedureTypes<P extends AnyTRPCProcedure> = P["_def"]["$types"];
/** A procedure's own error shape, or `unknown` when it is the router's (clients fall back to that). */
type OwnErrorShape<R extends AnyTRPCRouter, P extends AnyTRPCProcedure> = [ProcedureTypes<P>["errorShape"]] extends [
  RootTypes<R>["errorShape"],
]
  ? unknown
  : ProcedureTypes<P>["errorShape"];

/**
 * A subscription's stream with tRPC's internal `TrackedData` alias spelled out as the
 * `{ id, data }` it is, so the declarations name only tRPC's public entry points.
 */
type PlainTracked<O> =
  O extends AsyncIterable<infer E, infer R, infer N>
    ? AsyncIterable<E extends { id: string; data: infer D } ? { id: string; data: D } : E, R, N>
    : O;

/**
 * A procedure as a client sees it: its kind, input, output and error shape. Server-side
 * metadata (OpenAPI routing, access rules) is left out. The object types are written in
 * place rather than through a named alias so that declaration emit prints their structure.
 */
type ClientProcedure<R extends AnyTRPCRouter, P extends AnyTRPCProcedure> = P["_def"]["type"] extends "query"
  ? TRPCQueryProcedure<{
      input: ProcedureTypes<P>["input"];
      output: ProcedureTypes<P>["output"];
      meta: object;
      errorShape: OwnErrorShape<R, P>;
    }>
  : P["_def"]["type"] extends "mutation"
    ? TRPCMutationProcedure<{
        input: ProcedureTypes<P>["input"];
        output: ProcedureTypes<P>["output"];
        meta: object;
        errorShape: OwnErrorShape<R, P>;
      }>
    : TRPCSubscriptionProcedure<{
        input: ProcedureTypes<P>["input"];
        output: PlainTracked<ProcedureTypes<P>["output"]>;
        meta: object;
        errorShape: OwnErrorShape<R, P>;
      }>;

/**
 * The client's view of a router: procedures at the top level or one namespace deep (the
 * shape of natter's API), context and metadata replaced by `object`. A deeper procedure
 * turns into `never`, which `assertNoDeeperProcedures` below catches at compile time.
 */
declare function clientView<R extends AnyTRPCRouter>(): TRPCBuiltRouter<
  { ctx: object; meta: object; errorShape: RootTypes<R>["errorShape"]; transformer: RootTypes<R>["transformer"] },
  {
    [K in keyof R["_def"]["record"]]: R["_def"]["record"][K] extends AnyTRPCProcedure
      ? ClientProcedure<R, R["_def"]["record"][K]>
      : {
          [P in keyof R["_def"]["record"][K]]: R["_def"]["record"][K][P] extends AnyTRPCProcedure
            ? ClientProcedure<R, R["_def"]["record"][K][P]>
            : never;
        };
  }
>;

/**
 * Never called: its inferred return type is what the build's declaration emit writes out in
 * full, so the published `.d.ts` holds the router's structure and no server type at all.
 */
function appRouterType() {
  return clientView<ServerAppRouter>();
}

/** natter's whole API as a type: pass it to tRPC's own helpers if you build a client yourself. */
export type AppRouter = ReturnType<typeof appRouterType>;

type NeverKeys<T> = { [K in keyof T]: [T[K]] extends [never] ? K : never }[keyof T];
type Expect<T extends true> = T;
/** Fails to compile when the server nests a procedure deeper than `clientView` maps. */
// biome-ignore lint/correctness/noUnusedVariables: a compile-time check, never referenced
type DepthCheck = Expect<
  {
    [K in keyof AppRouter["_def"]["record"]]: NeverKeys<AppRouter["_def"]["record"][K]>;
  }[keyof AppRouter["_def"]["record"]] extends never
    ? true
    : false
>;

/** The input of every procedure, such as `RouterInputs["messages"]["send"]`. */
export type RouterInputs = inferRouterInputs<AppRouter>;
/** The output of every query and mutation, such as `RouterOutputs["rooms"]["get"]`. */
export type RouterOutputs = inferRouterOutputs<AppRouter>;

/** The shape of natter's tRPC errors; `data.error` is the machine-readable part. */
export type NatterErrorShape = inferRouterError<AppRouter>;
/** The machine-readable error every failed call carries: `{code, message, issues?, requiredRole?}`. */
export type ErrorBody = NatterErrorShape["data"]["error"];
/** Every error code natter answers with, such as `"ROOM_NOT_FOUND"`. */
export type ErrorCode = ErrorBody["code"];

type Yielded<T> = T extends AsyncIterable<infer E> ? E : never;
type TrackedData<T> = T extends { data: infer D } ? D : T;
/** One entry of a room's ordered log, as `rooms.events` and `watchRoom` deliver it. */
export type RoomEvent = TrackedData<Yielded<AppRouter["rooms"]["events"]["_def"]["$types"]["output"]>>;
/** The kinds of room events: `"message.created"`, `"member.joined"`… */
export type RoomEventType = RoomEvent["type"];

/** One entry of the signed-in user's inbox, as `users.events` and `watchInbox` deliver it. */
export type InboxEvent = TrackedData<Yielded<AppRouter["users"]["events"]["_def"]["$types"]["output"]>>;
/** The kinds of inbox entries: `"message.created"`, `"unread.changed"`… */
export type InboxEventType = InboxEvent["type"];

/** A signed-in user as anyone may see them. */
export type User = RouterOutputs["users"]["byId"]["user"];
/** What sign-up and log-in answer: the user and their bearer token. */
export type AuthResult = RouterOutputs["auth"]["logIn"];
/** A room as its readers see it. */
export type Room = RouterOutputs["rooms"]["get"]["room"];
/** A member of a room with their role. */
export type Member = RouterOutputs["rooms"]["member"]["member"];
/** A message; a deleted one keeps its place with a null body. */
export type Message = RouterOutputs["messages"]["send"]["message"];
export type Attachment = Message["attachments"][number];
/** One emoji's reactions on a message; `me` says whether the caller is among them. */
export type Reaction = Message["reactions"][number];
/** The thread under a message that has replies. */
export type ThreadSummary = NonNullable<Message["thread"]>;
/** Who reacted with one emoji, earliest first: user ids, and `nextCursor` while more remain. */
export type ReactorPage = RouterOutputs["messages"]["reactors"];
/** One who reacted, and when. */
export type Reactor = ReactorPage["reactors"][number];
/** A page of the threads I started or replied in (`messages.myThreads`), newest activity first. */
export type MyThreadsPage = RouterOutputs["messages"]["myThreads"];
/** One of my threads: its first message (with its summary) and the replies by others I have not read. */
export type MyThread = MyThreadsPage["threads"][number];
/** A page of messages (history or a thread). */
export type MessagePage = RouterOutputs["messages"]["list"];
/** How far a member has read. */
export type Receipt = RouterOutputs["rooms"]["receipts"]["receipts"][number];
/** A page of a room's read receipts. */
export type ReceiptsPage = RouterOutputs["rooms"]["receipts"];
/** A room's ephemeral signal: presence, typing, read receipts. */
export type RoomSignal = Yielded<AppRouter["rooms"]["signals"]["_def"]["$types"]["output"]>;
/** A member's read cursor moved (members only, at most once a second per member). */
export type ReceiptSignal = Extract<RoomSignal, { type: "receipt.updated" }>;
/** One of my direct rooms (`dms.list`): the room, the other person, the newest message and my unread count. */
export type DirectRoom = RouterOutputs["dms"]["list"]["directRooms"][number];
/** A user I have blocked (`dms.blocks`), with when. */
export type BlockedUser = RouterOutputs["dms"]["blocks"]["blocks"][number];
/** One of my browsers' Web Push subscriptions (`push.subscriptions`); its keys are not shown again. */
export type PushSubscriptionInfo = RouterOutputs["push"]["subscriptions"]["subscriptions"][number];
/** What `push.subscribe` takes: a browser's `PushSubscription.toJSON()`. */
export type PushSubscribeInput = RouterInputs["push"]["subscribe"];
/** A member muted in a room, as its admins list them. */
export type RoomMute = RouterOutputs["rooms"]["mutes"]["mutes"][number];
/** A report of a message as a room's admins see it (no reporter), from `reports.forRoom`. */
export type MessageReport = RouterOutputs["reports"]["forRoom"]["reports"][number];
/** A report as server admins see it, with its reporter, from `reports.list`. */
export type AdminMessageReport = RouterOutputs["reports"]["list"]["reports"][number];
/** Who is watching a room now (`rooms.presence`): users with `rooms.signals` open, anonymous ones counted. */
export type RoomPresence = RouterOutputs["rooms"]["presence"]["presence"];
/**
 * A single-use ticket to a room's Server-Sent Events stream (`rooms.eventsTicket`), for code
 * that reads the stream without tRPC, such as a browser's EventSource; `client.watchRoom` needs none.
 */
export type EventStreamTicket = RouterOutputs["rooms"]["eventsTicket"]["ticket"];
/** An uploaded image, as `client.upload` answers it. */
export interface Upload extends Attachment {
  /** SHA-256 of the bytes, hex. */
  sha256: string;
  createdAt: string;
}

/** The signed-in user's own user object (`GET /me`). */
export type Me = RouterOutputs["users"]["me"]["user"];

/**
 * Everything natter holds about you, as `client.exportMyData` answers it (`GET /me/export`):
 * no secrets, uploads listed with their URL and SHA-256. natter keeps no earlier versions of
 * an edited message, so `editedAt` is all there is of its edits.
 */
export interface DataExport {
  format: "natter.export.v1";
  exportedAt: string;
  profile: Me;
  sessions: { id: string; createdAt: string; lastUsedAt: string; expiresAt: string; userAgent: string | null }[];
  rooms: {
    id: string;
    name: string;
    kind: "room" | "direct";
    role: "owner" | "admin" | "member";
    joinedAt: string;
    readSeq: number;
    readAt: string | null;
    directWith: string | null;
  }[];
  messages: {
    id: string;
    roomId: string;
    seq: number;
    threadId: string | null;
    replyToId: string | null;
    body: string | null;
    createdAt: string;
    editedAt: string | null;
    deletedAt: string | null;
    attachmentIds: string[];
  }[];
  reactions: { messageId: string; roomId: string; emoji: string; createdAt: string }[];
  uploads: (Upload & { filename: string | null; messageId: string | null; roomId: string | null })[];
  reports: {
    id: string;
    roomId: string;
    messageId: string;
    reason: string;
    note: string | null;
    status: "open" | "resolved";
    createdAt: string;
  }[];
  blocks: { userId: string; createdAt: string }[];
  mutes: { roomId: string; until: string | null; reason: string | null; createdAt: string }[];
  apiKeys: {
    id: string;
    botUserId: string;
    name: string;
    prefix: string;
    scopes: string[];
    createdAt: string;
    expiresAt: string | null;
    lastUsedAt: string | null;
  }[];
}

/** `client.admin.stats.query()`: the server at a glance, for server admins. */
export type AdminStats = RouterOutputs["admin"]["stats"];
/** One entry of the activity log (`client.admin.activity.query()`). */
export type ActivityEntry = RouterOutputs["admin"]["activity"]["entries"][number];
/** The kinds of activity-log entries, such as `"user.banned"`. */
export type ActivityType = ActivityEntry["type"];
/** A user as server admins see them: `isAdmin`, `bannedAt`, `lastActiveAt`. */
export type AdminUser = RouterOutputs["admin"]["user"]["user"];

/** The filters and paging of `client.searchMessages` (`search.messages`), besides the query text. */
export type SearchMessagesOptions = Omit<RouterInputs["search"]["messages"], "q">;
/** A page of search results: each message with `highlights`, `[start, end)` ranges of its body. */
export type SearchMessagesResult = RouterOutputs["search"]["messages"];
/** One search result. */
export type SearchHit = SearchMessagesResult["results"][number];

/** An outgoing webhook endpoint as server admins see it (`webhooks.list`); its secret is never in it. */
export type Webhook = RouterOutputs["webhooks"]["list"]["webhooks"][number];
/** The kinds of events a webhook may subscribe to, such as `"message.created"` or `"user.created"`. */
export type WebhookEventType = Webhook["events"][number];
/** One event to one endpoint and how its latest attempt went (`webhooks.deliveries`). */
export type WebhookDelivery = RouterOutputs["webhooks"]["deliveries"]["deliveries"][number];
/** A bot account with how many live keys it has (`bots.list`). */
export type Bot = RouterOutputs["bots"]["list"]["bots"][number];
/** An API key as listed (`bots.keys`): its prefix, never the key. */
export type ApiKey = RouterOutputs["bots"]["keys"]["apiKeys"][number];
/** What an API key may do, such as `"messages:write"`. */
export type ApiKeyScope = ApiKey["scopes"][number];
/** An incoming webhook of a room (`incomingWebhooks.list`): its URL is shown once, at creation. */
export type IncomingWebhook = RouterOutputs["incomingWebhooks"]["list"]["incomingWebhooks"][number];
