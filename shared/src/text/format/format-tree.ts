/**
 * The typed tree a message body parses to (see `parseMessageBody`). Every node keeps enough of
 * what was written that `toSource` gives the body back character for character: the tree is a
 * reading of the text, never a rewrite of it.
 */
export type FormatNode =
  | TextNode
  | LineBreakNode
  | EmphasisNode
  | InlineCodeNode
  | CodeBlockNode
  | LinkNode
  | MentionNode
  | RoomMentionNode;

/** Text shown as it is. */
export interface TextNode {
  type: "text";
  text: string;
}

/** A newline outside a code block. */
export interface LineBreakNode {
  type: "break";
}

/** `*bold*` or `**bold**`, `_italic_`, `~strike~`: the marker as written, and what it wraps. */
export interface EmphasisNode {
  type: "bold" | "italic" | "strike";
  marker: "*" | "**" | "_" | "~";
  children: FormatNode[];
}

/** `` `code` ``: shown as written, nothing inside is formatted. */
export interface InlineCodeNode {
  type: "code";
  text: string;
}

/** A fenced block: a line starting with three backticks (and an optional language) up to a line of three backticks. */
export interface CodeBlockNode {
  type: "codeBlock";
  /** What follows the opening backticks on their line; empty when nothing does. */
  language: string;
  text: string;
}

/** An `http://` or `https://` URL written out: the only links a body holds. */
export interface LinkNode {
  type: "link";
  url: string;
}

/** `@username` as written (any case); the server resolves it to a user who can read the room. */
export interface MentionNode {
  type: "mention";
  username: string;
}

/** `@room`: every member, when its author is the room's owner or an admin. `text` is as written, such as `@Room`. */
export interface RoomMentionNode {
  type: "roomMention";
  text: string;
}
