/** Sizes and bounds shared by the server's validation and the client's expectations. */
export const LIMITS = {
  usernameMin: 3,
  usernameMax: 64,
  displayNameMax: 64,
  bioMax: 500,
  /** The longest User-Agent a session keeps. */
  userAgentMax: 256,
  /** Sessions one user may hold at once are listed whole, up to this many (the oldest are cut). */
  sessionsListMax: 200,
  passwordMin: 8,
  passwordMax: 256,
  roomNameMax: 100,
  /** How many users a room may be created with, besides its creator. */
  roomInitialMembersMax: 100,
  /** Page sizes of listings: `limit` is 1 to `pageLimitMax`, `pageLimitDefault` when omitted. */
  pageLimitMax: 200,
  pageLimitDefault: 50,
  /** The longest message body, in characters. */
  messageBodyMax: 4000,
  /** The most distinct users one message may mention; later `@names` stay text. */
  mentionsPerMessageMax: 50,
  /** The longest `clientMessageId` a sender may attach for idempotent retries. */
  clientMessageIdMax: 100,
  /** Unread counts stop at this many per room ("999+"), so the count costs a bounded scan. */
  unreadCountMax: 999,
  /** How long a `rooms.typing` call keeps its typing indicator up; refresh before it lapses. */
  typingTtlMs: 5000,
  /** How many signed-in watchers a presence snapshot names; `userCount` counts them all. */
  presenceSnapshotMax: 500,
  /** The largest JSON request body the HTTP transports read, in bytes. */
  maxRequestBodyBytes: 64 * 1024,
  /** How deep arrays and objects may nest in a JSON request body. */
  maxJsonDepth: 32,
  /** The most calls one tRPC HTTP batch may carry; the SDK sends at most 10. */
  maxBatchCalls: 50,
  /** Live subscriptions (room events, room signals) one WebSocket connection may hold at once. */
  maxSubscriptionsPerConnection: 200,
  /** The largest WebSocket message the server accepts, in bytes. */
  maxWebSocketMessageBytes: 64 * 1024,
  /** The longest search query, in characters: a whole message may be pasted in. */
  searchQueryMax: 4000,
  /** The most words one search query may hold, counting each word of a phrase. */
  searchTermsMax: 32,
  /** Search pages hold 1 to this many results, `searchLimitDefault` when omitted. */
  searchLimitMax: 50,
  searchLimitDefault: 20,
  /** How many of the newest matches a relevance-sorted search ranks (`sort=recent` pages through all). */
  searchRankedMax: 1000,
  /** The most uploads one message may carry. */
  attachmentsPerMessageMax: 10,
  /** Images wider or taller than this are refused (decompression bombs). */
  imageSideMax: 16_384,
  /** Images with more pixels than this are refused, however they are shaped. */
  imagePixelsMax: 50_000_000,
  /** The longest webhook URL. */
  webhookUrlMax: 2048,
  /** A bot's API key name. */
  apiKeyNameMax: 100,
  /** Live API keys one bot may hold. */
  apiKeysPerBotMax: 50,
  /** Bot accounts a server may have (the admin list shows them all). */
  botsMax: 200,
  /** Incoming webhooks one room may have. */
  incomingWebhooksPerRoomMax: 20,
  /** Outgoing webhook endpoints a server may have (server-wide and room-scoped together). */
  webhooksPerServerMax: 200,
  /** Outgoing webhook endpoints one room may have. */
  webhooksPerRoomMax: 10,
  /** The longest reaction key in UTF-16 units (a `:shortcode:` is at most 34; emoji sequences are shorter). */
  reactionEmojiMax: 64,
  /** Distinct emoji one message may carry; the next new one is refused (TOO_MANY_REACTIONS). */
  reactionsPerMessageMax: 20,
  /** Pinned messages one room may hold; the next pin is refused (TOO_MANY_PINS). */
  pinsPerRoomMax: 50,
  /** How many recent repliers a thread summary names. */
  threadParticipantsMax: 5,
  /** At most one `receipt.updated` per member and room within this window, across nodes. */
  receiptIntervalMs: 1000,
  /** The longest slow mode a room may have: one message per member per hour. */
  slowModeSecondsMax: 3600,
  /** The longest reason a moderator may give for a mute. */
  muteReasonMax: 500,
  /** The longest note a reader may add to a report. */
  reportNoteMax: 1000,
  /** Blocked terms the server keeps (`PUT /admin/blocked-terms`). */
  blockedTermsMax: 5000,
  /** The longest blocked term. */
  blockedTermMax: 100,
  /** Web Push subscriptions one user may hold (one per browser or device). */
  pushSubscriptionsPerUserMax: 10,
  /** The longest push service endpoint URL a subscription may have. */
  pushEndpointMax: 2048,
} as const;
