/**
 * The one step of a live delivery an inbox stream pays and a room watcher does not, in
 * process: a room event's WebSocket frame is built once and found again for each watcher,
 * while an inbox entry is one user's, so its frame is built per delivery from its message's
 * shared bytes around the user's seq (`writeSplicedTrackedFrame`, from the entry's shared part;
 * a checkout before 2026-12-06 23:30 UTC looked the event's encoding up by object first). Reported: the least CPU µs per frame over REPS passes of N entries (a message
 * summary), of this checkout and, with INBOX_BEFORE=<checkout>, of that one's modules, in
 * turn, and whether both build the same bytes.
 *
 * Instruction counts, steadier than CPU time on a loaded machine: run one side at a time
 * (SIDE=now or SIDE=before) under `valgrind --tool=callgrind` with two values of REPS; the
 * difference of the two runs' `I refs` over (difference of REPS × N) is the instructions of
 * one frame (setting up is the same in both runs), e.g.
 * `SIDE=now N=20000 REPS=1 valgrind --tool=callgrind node --conditions=natter-source --import tsx src/inbox-frame.ts`, then REPS=3.
 */
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { fixed } from "./stats.js";

type Encodings = typeof import("../../server/src/events/encoded-events.js");
type Encoder = typeof import("../../server/src/ws/event-encoder.js");

const N = Number(process.env.N ?? 100_000);
const REPS = Number(process.env.REPS ?? 15);
const BEFORE = process.env.INBOX_BEFORE;
const SIDE = process.env.SIDE;

/** One checkout's modules: how it remembers an entry's encoding and frames it. */
async function load(root: string): Promise<{ encodings: Encodings; encoder: Encoder }> {
  const module = (path: string) => import(pathToFileURL(join(root, "server/src", path)).href);
  return { encodings: await module("events/encoded-events.ts"), encoder: await module("ws/event-encoder.ts") };
}

/** A message's summary as `encodeInboxEntries` makes it, for every member alike. */
const SUMMARY = {
  type: "message.created",
  roomId: "01a24ce3-6f6a-7d4a-b143-d994d2bdceee",
  messageId: "01a24ce3-6fc1-72c7-9da8-f5494b134440",
  author: { userId: "01a24ce3-6c03-7b73-8f13-478ff1faa04e", username: "bench_12345_1" },
  preview: "round 3 inbox message 12",
  mentioned: false,
};
const AT = "2026-12-06T19:45:03.425Z";

/**
 * What a checkout before 2026-12-06 23:30 UTC had instead of `InboxEntry.shared`: each event's
 * spliced encoding remembered by object, and framed from that record.
 */
interface ByObject {
  rememberSplicedEncoding(event: object, shared: unknown, seq: number): string;
  splicedEncodingOf(event: object): unknown;
}

/** N members' entries of one message, each with its shared part, and the frame of entry `i` (what a delivery builds). */
function entriesOf({ encodings, encoder }: { encodings: Encodings; encoder: Encoder }) {
  const shared = new encodings.SharedEncoding(`${JSON.stringify(SUMMARY).slice(0, -1)},"seq":`, `,"at":"${AT}"}`);
  const byObject = "splicedEncodingOf" in encodings ? (encodings as unknown as ByObject) : undefined;
  const entries = Array.from({ length: N }, (_, i) => {
    const seq = 1000 + i;
    const event = { ...SUMMARY, seq, at: AT };
    byObject?.rememberSplicedEncoding(event, shared, seq);
    return { seq, event, shared };
  });
  const prefix = encoder.trackedMessagePrefix(7, undefined);
  const frame = frameOf(encoder);
  return (i: number) => {
    const entry = entries[i] as (typeof entries)[number];
    if (!byObject) return frame(prefix, String(entry.seq), entry.shared).frame;
    const spliced = byObject.splicedEncodingOf(entry.event);
    if (!spliced) throw new Error("entry not remembered as spliced");
    return frame(prefix, String(entry.seq), spliced).frame;
  };
}

type FrameOf = (prefix: Buffer, eventId: string, shared: unknown) => { frame: Buffer };

/**
 * A checkout's entry framing: `writeSplicedTrackedFrame` lends its frame to a writer, which here
 * takes it whole (as a socket that wrote it at once), so the frame is filled again for the next
 * entry; a checkout before lane latin1 (2026-12-07) returned a new frame (`splicedTrackedFrame`).
 */
function frameOf(encoder: Encoder): FrameOf {
  const before = (encoder as unknown as { splicedTrackedFrame?: FrameOf }).splicedTrackedFrame;
  if (before) return before;
  let written: { frame: Buffer } | undefined;
  const take = (_: undefined, framed: { frame: Buffer }) => {
    written = framed;
    return true;
  };
  return (prefix, eventId, shared) => {
    encoder.writeSplicedTrackedFrame(prefix, eventId, shared as never, undefined, take);
    return written as { frame: Buffer };
  };
}

const checkouts: Array<[string, string]> = [["natter", join(import.meta.dirname, "../..")]];
if (BEFORE) checkouts.push(["natter before", BEFORE]);
const sides = await Promise.all(
  checkouts
    .filter(([name]) => SIDE === undefined || name === (SIDE === "now" ? "natter" : "natter before"))
    .map(async ([name, root]) => ({ name, frame: entriesOf(await load(root)), least: Number.POSITIVE_INFINITY })),
);
let bytes = 0;
for (let rep = 0; rep < REPS; rep++) {
  for (const side of sides) {
    const started = process.cpuUsage();
    for (let i = 0; i < N; i++) bytes += side.frame(i).length;
    const spent = process.cpuUsage(started);
    side.least = Math.min(side.least, (spent.user + spent.system) / N);
  }
}
const [first, second] = sides;
console.log(`inbox entry frames: ${N} entries x ${REPS} passes (${bytes} bytes framed)`);
for (const { name, least } of sides) console.log(`${name}: ${fixed(least, 3)} µs per frame (least of ${REPS} passes)`);
if (first && second) console.log(`same bytes: ${first.frame(5).equals(second.frame(5))}`);
