import { uuidV7 } from "@natter/db";

/** A small seeded PRNG (mulberry32), so that every run generates the same messages. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SYLLABLES = ["ka", "to", "mi", "ren", "sa", "lo", "dep", "vi", "nor", "el", "tas", "qu", "bri", "on", "ex", "ul"];
const CHINESE =
  "我们数据库性能决定明天发布会议预算服务器迁移测试结果很好用户问题修复版本上线监控告警日志延迟网络缓存队列";
/** Words the queries look for, each woven into messages at a known rate. */
export const PLANTED = {
  /** About 20 messages per million each. */
  rare: ["zyxolotl", "quixlane", "brambulon", "frozzwick", "glimmerix"],
  /** About one message in 200 holds this phrase. */
  phrase: ["release", "train"],
} as const;

/**
 * The synthetic vocabulary: 20,000 words of 1 to 4 syllables, of which the first are the
 * commonest. (With at most 3 syllables there are only 4,368 words to make: the loop never
 * ended, which is why this bench had never completed.)
 */
function vocabulary(random: () => number): string[] {
  const words = new Set<string>();
  while (words.size < 20_000) {
    const parts = 1 + Math.floor(random() * 4);
    words.add(Array.from({ length: parts }, () => SYLLABLES[Math.floor(random() * SYLLABLES.length)]).join(""));
  }
  return [...words];
}

/** Draws indexes 0..n-1 with Zipf odds (s = 1), as word frequencies in natural text. */
function zipf(n: number, random: () => number): () => number {
  const harmonic = Math.log(n) + 0.5772;
  return () => Math.min(n - 1, Math.floor(Math.exp(random() * harmonic) - 1));
}

export interface GeneratedMessage {
  id: string;
  roomIndex: number;
  authorIndex: number;
  body: string;
  createdAt: string;
}

/**
 * Generates `count` messages spread over the past year, oldest first: 5–20 words of a
 * Zipf-distributed vocabulary (the commonest word in about one message in ten), 5% Chinese
 * text without spaces, and the planted rare words and phrase.
 */
export function* generateMessages(count: number, rooms: number, authors: number): Generator<GeneratedMessage> {
  const random = seeded(1_000_003);
  const words = vocabulary(random);
  const pick = zipf(words.length, random);
  const start = Date.now() - 365 * 24 * 3600 * 1000;
  const step = (365 * 24 * 3600 * 1000) / count;
  for (let i = 0; i < count; i++) {
    let body: string;
    if (random() < 0.05) {
      const length = 4 + Math.floor(random() * 16);
      body = Array.from({ length }, () => CHINESE[Math.floor(random() * CHINESE.length)]).join("");
    } else {
      const length = 5 + Math.floor(random() * 16);
      const chosen = Array.from({ length }, () => words[pick()] as string);
      if (random() < 0.005) chosen.splice(Math.floor(random() * length), 0, ...PLANTED.phrase);
      if (random() < 20e-6 * PLANTED.rare.length) chosen.push(PLANTED.rare[i % PLANTED.rare.length] as string);
      body = chosen.join(" ");
    }
    const at = start + i * step;
    yield {
      id: uuidV7(Math.floor(at)),
      roomIndex: Math.floor(random() * rooms),
      authorIndex: Math.floor(random() * authors),
      body,
      createdAt: new Date(at).toISOString(),
    };
  }
}

/** The generated vocabulary's commonest word, and a prefix many mid-frequency words share. */
export function commonWord(): string {
  return vocabulary(seeded(1_000_003))[0] as string;
}
