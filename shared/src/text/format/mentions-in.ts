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
 * An `@` that could start a mention: at the start, or after a character other than an ASCII
 * letter or digit or one of `.+-@`. Any other `@` follows a character that rules a mention out
 * wherever the parser meets it (every piece of the body it parses on its own starts after a
 * marker, a newline or a backtick, none of those characters).
 */
const POSSIBLE_MENTION = /(?:^|[^A-Za-z0-9.+@-])@/;

/**
 * The mentions of a body, found with the same parser that renders it: a mention inside code
 * or a link is no mention. A body without an `@` that could start one is not parsed (most
 * messages: the parse was a third of what a send's service did).
 */
export function mentionsIn(body: string): BodyMentions {
  if (!POSSIBLE_MENTION.test(body)) return { usernames: [], room: false };
  return mentionsOfTree(parseMessageBody(body));
}

/** The mentions in a body's formatting tree (`mentionsIn`, without its shortcut). */
export function mentionsOfTree(nodes: readonly FormatNode[]): BodyMentions {
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
  visit(nodes);
  return { usernames: [...usernames], room };
}
