import { jsonlStreamConsumer } from "@trpc/server/unstable-core-do-not-import";
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
export async function comparable(
  { status, headers, body }: RawHttpResponse,
  /** Whether JSON lines were asked for (`trpc-accept: application/jsonl`): tRPC labels them `application/json`. */
  jsonLines = false,
): Promise<ComparableAnswer> {
  const read: Record<string, string> = {};
  for (const name of HEADERS_CLIENTS_READ) if (headers[name] !== undefined) read[name] = headers[name];
  const content = jsonLines && status === 200 ? await decodedJsonLines(body) : body;
  return { status, headers: read, body: blankPerCallValues(content) };
}

/**
 * A streamed batch (JSON lines) as a tRPC client reads it: each call's final value under its
 * index, as JSON. The lines themselves are no contract: tRPC streams each call's answer as a
 * head placeholder resolved by later chunk lines, numbered and sent in the order the calls
 * settle, so two runs of one batch differ in chunk ids and line order; and the format lets a
 * value be inlined in the head or in its parent's chunk (any value not a promise when encoded)
 * as well as streamed, which a client reads alike. Decoded by tRPC's own consumer (what
 * `httpBatchStreamLink` reads the stream with), which also ties each value to its call, where
 * sorted lines did not; a body it cannot decode is kept as text, marked, so that it differs
 * from any decodable answer.
 */
async function decodedJsonLines(jsonLines: string): Promise<string> {
  try {
    const [head] = await jsonlStreamConsumer<Record<string, unknown>>({
      from: new Response(jsonLines).body as ReadableStream<Uint8Array>,
      abortController: new AbortController(),
    });
    return JSON.stringify(await settled(head));
  } catch (error) {
    return `undecodable JSON lines (${String(error)}): ${jsonLines}`;
  }
}

/** `value` with every promise in it awaited, deeply; a rejection as `{ rejected: <its data or message> }`. */
async function settled(value: unknown): Promise<unknown> {
  if (value instanceof Promise) {
    try {
      return await settled(await value);
    } catch (error) {
      const data = (error as { data?: unknown }).data;
      return { rejected: data !== undefined ? await settled(data) : String(error) };
    }
  }
  if (Array.isArray(value)) return Promise.all(value.map(settled));
  if (value !== null && typeof value === "object") {
    const entries = await Promise.all(Object.entries(value).map(async ([key, item]) => [key, await settled(item)]));
    return Object.fromEntries(entries);
  }
  return value;
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
