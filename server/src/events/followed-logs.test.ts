import { describe, expect, it } from "vitest";
import { FollowedLogs, joinKeys } from "./followed-logs.js";

describe("followed logs", () => {
  it("answers a list's logs by position, and forgets what it remembered when the logs followed change", () => {
    const followed = new FollowedLogs<string>();
    followed.set("ann", "ann's log");
    const list = joinKeys(["bob", "ann", "cat"]) as string;
    expect(followed.among(list)).toEqual([undefined, "ann's log", undefined]);
    followed.set("cat", "cat's log");
    expect(followed.among(list)).toEqual([undefined, "ann's log", "cat's log"]);
    followed.delete("ann");
    expect(followed.among(list)).toEqual([undefined, undefined, "cat's log"]);
    followed.set("cat", "cat's new log");
    expect(followed.among(list)).toEqual([undefined, undefined, "cat's new log"]);
  });

  it("lists no key that holds the separator", () => {
    expect(joinKeys(["ann", "b,ob"])).toBeUndefined();
    expect(new FollowedLogs<string>().among(joinKeys(["ann"]) as string)).toEqual([undefined]);
  });
});
