import { LIMITS } from "../../limits.js";
import type { FormatNode } from "./format-tree.js";
import { parseMessageBody } from "./parse-message-body.js";

/** What a body mentions: usernames lower-cased, each once, at most `LIMITS.mentionsPerMessageMax`. */
export interface BodyMentions {
  usernames: string[];
  /** Whether it says `@room`. */
  room: boolean;
}

/**
 * The mentions of a body, found with the same parser that renders it: a mention inside code
 * or a link is no mention.
 */
export function mentionsIn(body: string): BodyMentions {
  const usernames = new Set<string>();
  let room = false;
  const visit = (nodes: readonly FormatNode[]) => {
    for (const node of nodes) {
      if (node.type === "mention" && usernames.size < LIMITS.mentionsPerMessageMax) {
        usernames.add(node.username.toLowerCase());
      } else if (node.type === "roomMention") room = true;
      else if (node.type === "bold" || node.type === "italic" || node.type === "strike") visit(node.children);
    }
  };
  visit(parseMessageBody(body));
  return { usernames: [...usernames], room };
}
