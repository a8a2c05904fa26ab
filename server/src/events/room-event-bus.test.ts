import { expect, it } from "vitest";
import { InProcessLogBus } from "./room-event-bus.js";

interface Entry {
  key: string;
  seq: number;
}

it("hands each entry to its key's listeners alone, until each unsubscribes", async () => {
  const bus = new InProcessLogBus<Entry>((entry) => entry.key);
  const seen: string[] = [];
  const offA = await bus.subscribe("a", { onEvent: (entry) => seen.push(`a1:${entry.seq}`) });
  const offA2 = await bus.subscribe("a", { onEvent: (entry) => seen.push(`a2:${entry.seq}`) });
  await bus.subscribe("b", { onEvent: (entry) => seen.push(`b:${entry.seq}`) });
  await bus.publish([
    { key: "a", seq: 1 },
    { key: "b", seq: 1 },
    { key: "c", seq: 1 },
  ]);
  offA();
  await bus.publish([{ key: "a", seq: 2 }]);
  offA2();
  offA2();
  await bus.publish([{ key: "a", seq: 3 }]);
  expect(seen).toEqual(["a1:1", "a2:1", "b:1", "a2:2"]);
});

it("goes on with the listeners a publish began with when one unsubscribes or subscribes meanwhile", async () => {
  const bus = new InProcessLogBus<Entry>((entry) => entry.key);
  const seen: string[] = [];
  let offSecond = () => {};
  await bus.subscribe("a", {
    onEvent(entry) {
      seen.push(`first:${entry.seq}`);
      offSecond();
      void bus.subscribe("a", { onEvent: (later) => seen.push(`late:${later.seq}`) });
    },
  });
  offSecond = await bus.subscribe("a", { onEvent: (entry) => seen.push(`second:${entry.seq}`) });
  await bus.publish([{ key: "a", seq: 1 }]);
  expect(seen).toEqual(["first:1", "second:1"]);
});
