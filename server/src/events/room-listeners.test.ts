import { expect, it } from "vitest";
import { InProcessLogBus } from "./room-event-bus.js";
import { RoomListeners } from "./room-listeners.js";

interface Entry {
  key: string;
  seq: number;
}

it("hands each entry to the room's listeners as they come and go, one or several", async () => {
  const bus = new InProcessLogBus<Entry>((entry) => entry.key);
  const listeners = new RoomListeners<Entry>(bus);
  const seen: string[] = [];
  const offFirst = await listeners.add("a", { onEvent: (entry) => seen.push(`first:${entry.seq}`) });
  await bus.publish([{ key: "a", seq: 1 }]);
  const offSecond = await listeners.add("a", { onEvent: (entry) => seen.push(`second:${entry.seq}`) });
  await bus.publish([{ key: "a", seq: 2 }]);
  offFirst();
  await bus.publish([{ key: "a", seq: 3 }]);
  const offThird = await listeners.add("a", { onEvent: (entry) => seen.push(`third:${entry.seq}`) });
  offSecond();
  await bus.publish([{ key: "a", seq: 4 }]);
  offThird();
  await bus.publish([{ key: "a", seq: 5 }]);
  expect(seen).toEqual(["first:1", "first:2", "second:2", "second:3", "third:4"]);
});

it("takes one bus subscription per room, and drops it with the room's last listener", async () => {
  const bus = new InProcessLogBus<Entry>((entry) => entry.key);
  const listeners = new RoomListeners<Entry>(bus);
  const seen: string[] = [];
  const offA = await listeners.add("a", { onEvent: (entry) => seen.push(`a:${entry.seq}`) });
  const offB = await listeners.add("b", { onEvent: (entry) => seen.push(`b:${entry.seq}`) });
  offA();
  // Subscribed again after its last listener left: a new subscription, the old one gone.
  const offA2 = await listeners.add("a", { onEvent: (entry) => seen.push(`a2:${entry.seq}`) });
  await bus.publish([
    { key: "a", seq: 1 },
    { key: "b", seq: 1 },
  ]);
  offA2();
  offB();
  await bus.publish([
    { key: "a", seq: 2 },
    { key: "b", seq: 2 },
  ]);
  expect(seen).toEqual(["a2:1", "b:1"]);
});
