import { LIMITS } from "@natter/shared";
import { describe, expect, it } from "vitest";
import { defaultRoomName } from "./default-room-name.js";

describe("defaultRoomName", () => {
  it("names a room of one after its creator", () => {
    expect(defaultRoomName("alice", [])).toBe("Room by alice");
  });

  it("lists the members, creator first", () => {
    expect(defaultRoomName("alice", ["bob", "carol"])).toBe("alice, bob, carol");
  });

  it("counts the members that do not fit in a room name", () => {
    const members = Array.from({ length: 10 }, (_, i) => `member_with_a_long_name_${i}`);
    const name = defaultRoomName("alice", members);
    expect(name.length).toBeLessThanOrEqual(LIMITS.roomNameMax);
    expect(name).toMatch(/^alice, member_with_a_long_name_0, .* \+\d+$/);
    const shown = name.replace(/ \+\d+$/, "").split(", ").length;
    expect(name.endsWith(` +${11 - shown}`)).toBe(true);
  });

  it("keeps even the longest usernames within the limit", () => {
    const long = "x".repeat(LIMITS.usernameMax);
    expect(defaultRoomName(long, [long, long, long, long]).length).toBeLessThanOrEqual(LIMITS.roomNameMax);
  });
});
