import type { NatterClient } from "@natter/client";

/** Where natter serves its service worker (scope `/`: every screen of the app). */
export const SERVICE_WORKER_PATH = "/sw.js";

/**
 * Whether this browser gets natter's notifications: `unsupported` (no service workers or
 * push here), `denied` (the person refused the permission; only the browser's settings undo
 * it), `off`, or `on` (subscribed, and natter has the subscription).
 */
export type PushState = "unsupported" | "denied" | "off" | "on";

function supported(): boolean {
  return "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
}

async function currentSubscription(): Promise<PushSubscription | null> {
  const registration = await navigator.serviceWorker.getRegistration(SERVICE_WORKER_PATH);
  return (await registration?.pushManager.getSubscription()) ?? null;
}

/** This browser's state: subscribed here and known to natter for the signed-in account. */
export async function pushState(client: NatterClient): Promise<PushState> {
  if (!supported()) return "unsupported";
  if (Notification.permission === "denied") return "denied";
  const subscription = await currentSubscription();
  if (!subscription || Notification.permission !== "granted") return "off";
  const { subscriptions } = await client.trpc.push.subscriptions.query();
  return subscriptions.some((known) => known.endpoint === subscription.endpoint) ? "on" : "off";
}

/**
 * Turns notifications on. Call it from a click only: the permission prompt is shown then and
 * never on page load (browsers penalise sites that ask unprompted, and people refuse them).
 * Registers the service worker, subscribes with natter's VAPID key and gives natter the
 * subscription. Answers the state reached (`denied` when the person refused).
 */
export async function turnPushOn(client: NatterClient): Promise<PushState> {
  if (!supported()) return "unsupported";
  const permission = await Notification.requestPermission();
  if (permission !== "granted") return permission === "denied" ? "denied" : "off";
  await navigator.serviceWorker.register(SERVICE_WORKER_PATH, { scope: "/" });
  const registration = await navigator.serviceWorker.ready;
  const { publicKey } = await client.trpc.push.vapidPublicKey.query();
  const applicationServerKey = fromBase64Url(publicKey);
  let subscription = await registration.pushManager.getSubscription();
  // A subscription made for another key (the server's keys were replaced) cannot be pushed to.
  if (subscription && !sameKey(subscription.options.applicationServerKey, applicationServerKey)) {
    await subscription.unsubscribe();
    subscription = null;
  }
  subscription ??= await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey });
  const { endpoint, keys } = subscription.toJSON();
  if (!endpoint || !keys?.p256dh || !keys.auth) throw new Error("This browser made a push subscription without keys.");
  await client.trpc.push.subscribe.mutate({ endpoint, keys: { p256dh: keys.p256dh, auth: keys.auth } });
  return "on";
}

/** Turns notifications off for this browser: natter forgets the subscription, and the browser drops it. */
export async function turnPushOff(client: NatterClient): Promise<PushState> {
  const subscription = supported() ? await currentSubscription() : null;
  if (subscription) {
    const { subscriptions } = await client.trpc.push.subscriptions.query();
    const known = subscriptions.find((candidate) => candidate.endpoint === subscription.endpoint);
    if (known) await client.trpc.push.unsubscribe.mutate({ id: known.id });
    await subscription.unsubscribe();
  }
  return "off";
}

function fromBase64Url(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text.replaceAll("-", "+").replaceAll("_", "/"));
  return Uint8Array.from(binary, (char) => char.charCodeAt(0));
}

function sameKey(known: ArrayBuffer | null, wanted: Uint8Array): boolean {
  if (!known) return false;
  const bytes = new Uint8Array(known);
  return bytes.length === wanted.length && bytes.every((byte, index) => byte === wanted[index]);
}
