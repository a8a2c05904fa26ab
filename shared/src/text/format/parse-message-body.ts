import { LIMITS } from "../../limits.js";
import type { EmphasisNode, FormatNode } from "./format-tree.js";

/**
 * Parses a message body to its formatting tree; never throws, and `toSource` of the result
 * is the body again. The grammar (the README repeats it):
 *
 * - A fenced code block starts at the beginning of a line with three backticks and an
 *   optional language on the same line, and ends at the next line that starts with three
 *   backticks followed by a newline or the end. Its content is not formatted.
 * - `` `code` ``: backtick, at least one character without backtick or newline, backtick.
 * - `**bold**`, `*bold*`, `_italic_`, `~strike~`: an opening marker not preceded by a letter,
 *   digit or `_` and followed by a non-space; a closing marker on the same line preceded by a
 *   non-space and not followed by a letter, digit or `_`. Emphasis nests.
 * - A link: `http://` or `https://` not preceded by a letter or digit, up to the next space
 *   or `<`, `>`; trailing `.,:;!?'"` and an unbalanced `)` stay outside. Nothing else (no
 *   `javascript:`, no `[text](url)`) becomes a link.
 * - A mention: `@` at the start or after a character that is neither a letter, a digit nor
 *   one of `_.+-@`, then the longest run of username characters without trailing `.-+@`, of
 *   3 to 64 characters. `@room` (any case) is the room mention.
 * - A newline outside a code block is a line break.
 */
export function parseMessageBody(body: string): FormatNode[] {
  const nodes: FormatNode[] = [];
  let inlineStart = 0;
  let lineStart = 0;
  while (lineStart < body.length) {
    const block = body.startsWith(FENCE, lineStart) ? fencedBlockAt(body, lineStart) : undefined;
    if (block) {
      nodes.push(...parseInline(body.slice(inlineStart, lineStart)), block.parsed);
      inlineStart = block.end;
      lineStart = block.end;
      continue;
    }
    const newline = body.indexOf("\n", lineStart);
    if (newline === -1) break;
    lineStart = newline + 1;
  }
  nodes.push(...parseInline(body.slice(inlineStart)));
  return nodes;
}

/** Gives back the text a tree was parsed from. */
export function toSource(nodes: readonly FormatNode[]): string {
  let source = "";
  for (const node of nodes) {
    switch (node.type) {
      case "text":
        source += node.text;
        break;
      case "break":
        source += "\n";
        break;
      case "bold":
      case "italic":
      case "strike":
        source += node.marker + toSource(node.children) + node.marker;
        break;
      case "code":
        source += `\`${node.text}\``;
        break;
      case "codeBlock":
        source += `${FENCE}${node.language}\n${node.text}\n${FENCE}`;
        break;
      case "link":
        source += node.url;
        break;
      case "mention":
        source += `@${node.username}`;
        break;
      case "roomMention":
        source += node.text;
        break;
    }
  }
  return source;
}

const FENCE = "```";

/** A construct read at some index: its node and the index just past it. */
interface Found {
  parsed: FormatNode;
  end: number;
}

/** A fenced code block opening at `start` (a line start), or undefined if none closes. */
function fencedBlockAt(body: string, start: number): Found | undefined {
  const openingEnd = body.indexOf("\n", start);
  if (openingEnd === -1) return undefined;
  const language = body.slice(start + FENCE.length, openingEnd);
  if (language.includes("`")) return undefined;
  let from = openingEnd + 1;
  for (;;) {
    const close = body.indexOf(`\n${FENCE}`, from);
    if (close === -1) return undefined;
    const end = close + 1 + FENCE.length;
    if (end === body.length || body[end] === "\n") {
      return { parsed: { type: "codeBlock", language, text: body.slice(openingEnd + 1, close) }, end };
    }
    from = close + 1;
  }
}

const WORD = /[\p{L}\p{N}_]/u;
const USERNAME_CHARACTER = /[A-Za-z0-9_.@+-]/;
const LINK_START = /^https?:\/\//;
const LINK_BODY = /^[^\s<>]+/;
const EMPHASIS: Record<string, EmphasisNode["type"]> = { "**": "bold", "*": "bold", _: "italic", "~": "strike" };

/** Whether the character before `index` lets a marker or a link open there. */
function opensAfter(text: string, index: number): boolean {
  return index === 0 || !WORD.test(text[index - 1] as string);
}

/** Parses one stretch of text without code blocks. */
function parseInline(text: string): FormatNode[] {
  const nodes: FormatNode[] = [];
  let plain = "";
  const flush = () => {
    if (plain !== "") nodes.push({ type: "text", text: plain });
    plain = "";
  };
  let index = 0;
  while (index < text.length) {
    const found = inlineAt(text, index);
    if (found) {
      flush();
      nodes.push(found.parsed);
      index = found.end;
    } else {
      // Up to the next character a construct may start at, in one piece: a character at a time,
      // the mention parse of a send's plain body cost more than its whole zod input check.
      const next = nextOpening(text, index + 1);
      plain += text.slice(index, next);
      index = next;
    }
  }
  flush();
  return nodes;
}

/** The index of the first character at or after `from` that `inlineAt` may find a construct at, or the text's length. */
function nextOpening(text: string, from: number): number {
  for (let index = from; index < text.length; index++) {
    switch (text.charCodeAt(index)) {
      case 0x0a: // \n
      case 0x60: // `
      case 0x2a: // *
      case 0x5f: // _
      case 0x7e: // ~
      case 0x40: // @
      case 0x68: // h
        return index;
    }
  }
  return text.length;
}

/** The inline construct starting at `index`, if one does. */
function inlineAt(text: string, index: number): Found | undefined {
  const character = text[index];
  switch (character) {
    case "\n":
      return { parsed: { type: "break" }, end: index + 1 };
    case "`":
      return inlineCodeAt(text, index);
    case "*":
      return (text[index + 1] === "*" ? emphasisAt(text, index, "**") : undefined) ?? emphasisAt(text, index, "*");
    case "_":
    case "~":
      return emphasisAt(text, index, character);
    case "@":
      return mentionAt(text, index);
    case "h":
      return linkAt(text, index);
    default:
      return undefined;
  }
}

function inlineCodeAt(text: string, index: number): Found | undefined {
  const close = text.indexOf("`", index + 1);
  if (close <= index + 1) return undefined;
  const code = text.slice(index + 1, close);
  if (code.includes("\n")) return undefined;
  return { parsed: { type: "code", text: code }, end: close + 1 };
}

function emphasisAt(text: string, index: number, marker: EmphasisNode["marker"]): Found | undefined {
  if (!opensAfter(text, index)) return undefined;
  const contentStart = index + marker.length;
  const first = text[contentStart];
  if (first === undefined || /\s/.test(first)) return undefined;
  const lineEnd = text.indexOf("\n", contentStart);
  const limit = lineEnd === -1 ? text.length : lineEnd;
  for (let close = text.indexOf(marker, contentStart + 1); close !== -1 && close < limit; ) {
    const before = text[close - 1] as string;
    const after = text[close + marker.length];
    const closes = !/\s/.test(before) && (after === undefined || !WORD.test(after));
    // A single `*` next to another `*` is part of a `**`, not a closing marker.
    const partOfDouble = marker === "*" && (after === "*" || before === "*");
    if (closes && !partOfDouble) {
      const type = EMPHASIS[marker] as EmphasisNode["type"];
      const children = parseInline(text.slice(contentStart, close));
      return { parsed: { type, marker, children }, end: close + marker.length };
    }
    close = text.indexOf(marker, close + 1);
  }
  return undefined;
}

function mentionAt(text: string, index: number): Found | undefined {
  if (index > 0 && (WORD.test(text[index - 1] as string) || USERNAME_CHARACTER.test(text[index - 1] as string))) {
    return undefined;
  }
  let end = index + 1;
  while (end < text.length && USERNAME_CHARACTER.test(text[end] as string)) end += 1;
  while (end > index + 1 && /[.+@-]/.test(text[end - 1] as string)) end -= 1;
  const username = text.slice(index + 1, end);
  if (username.length < LIMITS.usernameMin || username.length > LIMITS.usernameMax) return undefined;
  if (username.toLowerCase() === "room") return { parsed: { type: "roomMention", text: `@${username}` }, end };
  return { parsed: { type: "mention", username }, end };
}

function linkAt(text: string, index: number): Found | undefined {
  // Every `h` of the text comes here: most are no link, and need no copy of the text after them.
  if (!text.startsWith("http", index)) return undefined;
  const rest = text.slice(index, index + 2048);
  if (!LINK_START.test(rest) || (index > 0 && /[\p{L}\p{N}]/u.test(text[index - 1] as string))) return undefined;
  let url = (LINK_BODY.exec(rest) as RegExpExecArray)[0];
  for (;;) {
    const last = url.at(-1) as string;
    if (/[.,:;!?'"*_~`]/.test(last)) url = url.slice(0, -1);
    else if (last === ")" && count(url, "(") < count(url, ")")) url = url.slice(0, -1);
    else break;
  }
  if (!isHttpUrl(url)) return undefined;
  return { parsed: { type: "link", url }, end: index + url.length };
}

function count(text: string, character: string): number {
  return text.split(character).length - 1;
}

/** Whether `url` parses as an absolute URL with a host whose scheme is `http:` or `https:`. */
function isHttpUrl(url: string): boolean {
  if (!URL.canParse(url)) return false;
  const parsed = new URL(url);
  return (parsed.protocol === "http:" || parsed.protocol === "https:") && parsed.hostname !== "";
}
