export type {
  ChatMessage,
  RoomMessagesState,
  RoomMessagesStatus,
  RoomSendOptions,
  RoomUnreadCount,
  UnreadState,
} from "@natter/client";
export { NatterProvider, type NatterProviderProps } from "./natter-provider.js";
export { type NatterTRPC, useTRPC } from "./natter-trpc.js";
export { useNatter } from "./use-natter.js";
export { type RoomPresence, usePresence } from "./use-presence.js";
export { type UseRoomMessagesOptions, type UseRoomMessagesResult, useRoomMessages } from "./use-room-messages.js";
export { type Session, type SessionStatus, useSession } from "./use-session.js";
export { type RoomTyping, useTyping } from "./use-typing.js";
export { type UseUnreadResult, useUnread } from "./use-unread.js";
