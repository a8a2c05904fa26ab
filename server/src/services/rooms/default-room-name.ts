import { LIMITS } from "@natter/shared";

/**
 * The name of a room created without one. Alone: "Room by alice". With members: their
 * usernames, creator first, as many as fit in a room name, then how many more there are
 * ("alice, bob, carol +4"). Usernames cannot contain ", " or "+", so the name stays legible.
 */
export function defaultRoomName(creator: string, members: readonly string[]): string {
  if (members.length === 0) return `Room by ${creator}`;
  const names = [creator, ...members];
  let shown = names.length;
  const render = (count: number) =>
    names.slice(0, count).join(", ") + (count < names.length ? ` +${names.length - count}` : "");
  while (shown > 1 && render(shown).length > LIMITS.roomNameMax) shown -= 1;
  return render(shown);
}
