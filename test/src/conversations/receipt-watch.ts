import type { RoomSignal } from "@natter/shared";
import type { wsClient } from "../harness/index.js";
import { waitFor } from "../messages/room-fixtures.js";

type Client = ReturnType<typeof wsClient>["client"];

/** A `rooms.signals` subscription that records each signal with the time it arrived. */
export interface SignalRecorder {
  signals: RoomSignal[];
  /** Arrival times (ms) of `receipt.updated` signals, in order. */
  receiptTimes: number[];
  receipts(): Array<Extract<RoomSignal, { type: "receipt.updated" }>>;
  /** Waits until a signal matches. */
  until(what: string, matches: (signal: RoomSignal) => boolean): Promise<void>;
  stop(): void;
}

/** Subscribes to a room's signals and waits for the snapshot (the watcher is in from then on). */
export async function recordSignals(client: Client, roomId: string): Promise<SignalRecorder> {
  let failure: unknown;
  const recorder: SignalRecorder = {
    signals: [],
    receiptTimes: [],
    receipts: () => recorder.signals.flatMap((signal) => (signal.type === "receipt.updated" ? [signal] : [])),
    until: (what, matches) =>
      waitFor(what, () => {
        if (failure !== undefined) throw failure;
        return recorder.signals.some(matches);
      }),
    stop: () => subscription.unsubscribe(),
  };
  const subscription = client.rooms.signals.subscribe(
    { roomId },
    {
      onData: (signal) => {
        recorder.signals.push(signal);
        if (signal.type === "receipt.updated") recorder.receiptTimes.push(Date.now());
      },
      onError: (error) => {
        failure = error;
      },
    },
  );
  await recorder.until("the snapshot", (signal) => signal.type === "snapshot");
  return recorder;
}

/** The most signals that arrived within any one window of `windowMs`. */
export function mostWithin(times: readonly number[], windowMs: number): number {
  let most = 0;
  for (const [i, start] of times.entries()) {
    most = Math.max(most, times.slice(i).filter((time) => time < start + windowMs).length);
  }
  return most;
}
