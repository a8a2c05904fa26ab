import type { PushNotification } from "@natter/shared";

/** What a shown notification carries, for the click. */
export type NotificationData = Pick<PushNotification, "roomId" | "messageId" | "url">;

/**
 * The message the service worker posts to an open tab when a notification is clicked: which
 * room (and message) to show. Types only: the worker is built apart from the app and shares
 * no code with it at run time (a shared chunk would make it a module worker).
 */
export interface NotificationClickMessage {
  type: "natter.notification-click";
  path: string;
  roomId: string | undefined;
  messageId: string | undefined;
}
