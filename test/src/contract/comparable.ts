import type { RawHttpResponse } from "../harness/index.js";

/** The headers a client of tRPC or of the REST paths reads off an answer. */
const HEADERS_CLIENTS_READ = ["content-type", "retry-after", "www-authenticate", "vary", "trpc-accept"];

const UUID = /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/g;
const TIMESTAMP = /\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z\b/g;
/** Counters that each call moves on (a room's seq, its message count). */
const COUNTERS = /"(seq|lastSeq|messageCount|memberCount|openSessions)":\d+/g;

/** What of an HTTP answer the contract holds: status, the headers clients read, the body with per-call values blanked. */
export interface ComparableAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** An answer with the values each call makes anew (ids, times, counters) replaced by placeholders. */
export function comparable({ status, headers, body }: RawHttpResponse): ComparableAnswer {
  const read: Record<string, string> = {};
  for (const name of HEADERS_CLIENTS_READ) if (headers[name] !== undefined) read[name] = headers[name];
  const blanked = blankPerCallValues(body);
  return { status, headers: read, body: headers["content-type"]?.includes("jsonl") ? inAnyOrder(blanked) : blanked };
}

/**
 * A streamed batch (JSON lines) with its chunks in no particular order: each call's answer is
 * streamed as it completes, numbered in that order, so two runs of one batch may stream the
 * same chunks in another order under other numbers.
 */
function inAnyOrder(jsonLines: string): string {
  return jsonLines
    .split("\n")
    .map((line) => line.replace(/^\[\d+,/, "[<chunk>,").replace(/,\d+\]/g, ",<chunk>]"))
    .sort()
    .join("\n");
}

/** JSON text with the values each call makes anew (ids, times, counters) replaced by placeholders. */
export function blankPerCallValues(text: string): string {
  return text.replace(UUID, "<uuid>").replace(TIMESTAMP, "<time>").replace(COUNTERS, '"$1":0');
}

/** How natter's answer differs from the reference adapter's, or undefined when it does not. */
export function contractDifferences(_name: string, natter: ComparableAnswer, theirs: ComparableAnswer) {
  const different: Record<string, { natter: unknown; theirs: unknown }> = {};
  if (natter.status !== theirs.status) different.status = { natter: natter.status, theirs: theirs.status };
  for (const name of new Set([...Object.keys(natter.headers), ...Object.keys(theirs.headers)])) {
    if (natter.headers[name] !== theirs.headers[name]) {
      different[name] = { natter: natter.headers[name], theirs: theirs.headers[name] };
    }
  }
  if (natter.body !== theirs.body) different.body = { natter: natter.body, theirs: theirs.body };
  return Object.keys(different).length > 0 ? different : undefined;
}
