import type { Message } from "@natter/client";

/** A room's messages as the app shows them: oldest first, one entry per message id. */
export type Timeline = readonly Message[];

/** The local calendar day of an ISO timestamp, as `YYYY-MM-DD`: where day separators go. */
export function localDay(iso: string): string {
  const date = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** A timeline cut into the local days its messages were written on, oldest first. */
export function groupByDay(timeline: Timeline): { day: string; messages: Message[] }[] {
  const days: { day: string; messages: Message[] }[] = [];
  for (const message of timeline) {
    const day = localDay(message.createdAt);
    const last = days.at(-1);
    if (last?.day === day) last.messages.push(message);
    else days.push({ day, messages: [message] });
  }
  return days;
}
