import type { RoomEventBus } from "../events/room-event-bus.js";
import type { WriteLimits } from "../rate-limit/write-limits.js";
import type { AccountDataService } from "./account-data/account-data-service.js";
import type { AccountsService } from "./accounts/accounts-service.js";
import type { ProfilesService } from "./accounts/profiles-service.js";
import type { SessionsService } from "./accounts/sessions-service.js";
import type { AdminService } from "./admin/admin-service.js";
import type { BotsService } from "./bots/bots-service.js";
import type { IncomingWebhooksService } from "./bots/incoming-webhooks-service.js";
import type { PinsService } from "./conversations/pins-service.js";
import type { ReactionsService } from "./conversations/reactions-service.js";
import type { ReadReceipts } from "./conversations/read-receipts.js";
import type { ThreadsService } from "./conversations/threads-service.js";
import type { BlocksService } from "./direct/blocks-service.js";
import type { DirectRoomsService } from "./direct/direct-rooms-service.js";
import type { InboxService } from "./inbox/inbox-service.js";
import type { MessagesService } from "./messages/messages-service.js";
import type { BlockedTermsService } from "./moderation/blocked-terms-service.js";
import type { ReportsService } from "./reports/reports-service.js";
import type { EventStreamTicketsService } from "./room-events/event-stream-tickets-service.js";
import type { RoomEventsService } from "./room-events/room-events-service.js";
import type { RoomSignalsService } from "./room-events/room-signals-service.js";
import type { RoomsService } from "./rooms/rooms-service.js";
import type { SearchService } from "./search/search-service.js";
import type { UploadsService } from "./uploads/uploads-service.js";
import type { WebhooksService } from "./webhooks/webhooks-service.js";

/** Every service the routers call; built once per server by the composition root. */
export interface Services {
  accounts: AccountsService;
  /** A person's export of their data, and deleting their account. */
  accountData: AccountDataService;
  /** What server admins do: statistics, the activity log, bans, accounts. */
  admin: AdminService;
  /** Fans committed room events out to live subscribers. */
  events: RoomEventBus;
  rooms: RoomsService;
  /** Direct rooms of two users. */
  directRooms: DirectRoomsService;
  /** Who blocked whom. */
  blocks: BlocksService;
  messages: MessagesService;
  /** The blocked terms, and the filter texts go through. */
  blockedTerms: BlockedTermsService;
  /** Reports of messages and their review. */
  reports: ReportsService;
  /** Reactions to messages. */
  reactions: ReactionsService;
  /** Pinned messages. */
  pins: PinsService;
  /** The threads a user takes part in. */
  threads: ThreadsService;
  /** Read receipts: members' read positions and their live announcements. */
  receipts: ReadReceipts;
  /** Live, gapless streams of a room's log. */
  roomEvents: RoomEventsService;
  /** Each user's inbox: one live, gapless stream of what concerns them across their rooms. */
  inbox: InboxService;
  /** Single-use tickets that open a room's event stream without an Authorization header. */
  eventStreamTickets: EventStreamTicketsService;
  /** Typing and presence: ephemeral, never stored. */
  roomSignals: RoomSignalsService;
  /** Profiles and finding people. */
  profiles: ProfilesService;
  /** Full-text message search. */
  search: SearchService;
  /** A user's own sessions. */
  sessions: SessionsService;
  /** Images: upload, read back, avatars, the sweeper. */
  uploads: UploadsService;
  /** Outgoing webhook endpoints, their deliveries and secrets. */
  webhooks: WebhooksService;
  /** Bot accounts and their API keys. */
  bots: BotsService;
  /** URLs that post into a room as a bot. */
  incomingWebhooks: IncomingWebhooksService;
  /** Per-address and per-account rates of sign-ups, log-ins, room creations and sends. */
  writeLimits: WriteLimits;
}
