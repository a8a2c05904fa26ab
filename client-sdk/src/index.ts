import { createClient, type NatterClient, type NatterClientOptions } from "./natter-client.js";
import type { WebSocketConstructor } from "./websocket.js";

export type {
  ActivityEntry,
  ActivityType,
  AdminMessageReport,
  AdminStats,
  AdminUser,
  ApiKey,
  ApiKeyScope,
  AppRouter,
  Attachment,
  AuthResult,
  BlockedUser,
  Bot,
  DataExport,
  DirectRoom,
  ErrorBody,
  ErrorCode,
  EventStreamTicket,
  InboxEvent,
  InboxEventType,
  IncomingWebhook,
  Me,
  Member,
  Message,
  MessagePage,
  MessageReport,
  MyThread,
  MyThreadsPage,
  NatterErrorShape,
  PushSubscribeInput,
  PushSubscriptionInfo,
  Reaction,
  Reactor,
  ReactorPage,
  Receipt,
  ReceiptSignal,
  ReceiptsPage,
  Room,
  RoomEvent,
  RoomEventType,
  RoomMute,
  RoomPresence,
  RoomSignal,
  RouterInputs,
  RouterOutputs,
  SearchHit,
  SearchMessagesOptions,
  SearchMessagesResult,
  ThreadSummary,
  Upload,
  User,
  Webhook,
  WebhookDelivery,
  WebhookEventType,
} from "./app-router.js";
export { newClientMessageId } from "./client-message-id.js";
export { awaitingConfirmation, type SentText } from "./confirmations.js";
export {
  ExportRefusedError,
  isNatterError,
  isNetworkFailure,
  type NatterClientError,
  UploadRefusedError,
} from "./errors.js";
export type { LiveState } from "./live-state.js";
export type { NatterClient, NatterClientOptions, PageOptions, SendMessageOptions } from "./natter-client.js";
export type { RetryOptions } from "./retry.js";
export {
  type ChatMessage,
  createRoomMessages,
  type RoomMessages,
  type RoomMessagesOptions,
  type RoomMessagesState,
  type RoomMessagesStatus,
  type RoomSendOptions,
} from "./room-messages.js";
export { createRoomSignals, type RoomSignals, type RoomSignalsState } from "./room-signals.js";
export type { ConnectionState, WatchEnd } from "./seq-watch.js";
export { applyRoomEvent, mergeMessages } from "./timeline.js";
export { TypingSignal } from "./typing-signal.js";
export {
  createUnreadCounts,
  type UnreadCounts,
  type UnreadCountsOptions,
  type UnreadState,
} from "./unread-counts.js";
export { type RoomUnreadCount, type UnreadRoom, UnreadTally } from "./unread-tally.js";
export type { InboxWatch, WatchInboxHandlers, WatchInboxOptions } from "./watch-inbox.js";
export type { RoomWatch, WatchRoomHandlers, WatchRoomOptions } from "./watch-room.js";
export type { WebSocketConstructor } from "./websocket.js";

/**
 * Connects to a natter server: typed procedures over HTTP (batched) and live events over a
 * WebSocket, with helpers for signing in, sending and watching rooms.
 */
export function createNatterClient(options: NatterClientOptions): NatterClient {
  return createClient(options, async () => (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket);
}
