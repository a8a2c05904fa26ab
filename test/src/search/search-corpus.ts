import { seededRandom } from "../harness/index.js";

/**
 * Words of several languages, most frequent first: a message draws its words with Zipf-like
 * odds, so some words are common and some rare, as in real chat. Accented words check
 * diacritic folding; the CJK phrases have no spaces, so they are found by substring.
 */
const LANGUAGES = {
  english: [
    "the",
    "we",
    "deploy",
    "release",
    "meeting",
    "database",
    "decided",
    "tomorrow",
    "budget",
    "review",
    "migration",
    "postgres",
    "zebra",
    "quarterly",
    "roadmap",
    "latency",
    "incident",
    "rollback",
    "pagination",
    "kubernetes",
  ],
  french: ["le", "café", "réunion", "décision", "équipe", "problème", "déploiement", "élevé", "très", "où"],
  german: ["und", "über", "müssen", "größe", "prüfung", "schön", "zurück", "früh", "tür", "bär"],
  spanish: ["el", "año", "mañana", "niño", "reunión", "señal", "acción", "canción", "están", "según"],
  chinese: ["我们", "数据库", "性能", "决定", "明天", "发布", "会议", "预算", "服务器", "迁移"],
  japanese: ["データベース", "会議", "明日", "決定", "リリース", "サーバー", "予算", "性能", "移行", "東京"],
} as const;

export type Language = keyof typeof LANGUAGES;

/** Hand-written messages whose matches the queries below are about (phrases, punctuation, hyphens). */
const MARKED = [
  "Where did we decide that? The roadmap review said: ship the Q3 release.",
  "e-mail the budget to finance@example.com before the meeting",
  "Café au lait, s'il vous plaît — c'est très bon",
  "Cafe without the accent, and CAFÉ in capitals",
  "naïve über-résumé with diacritics everywhere",
  "数据库性能测试的结果很好，我们决定明天发布",
  "東京のデータベースサーバーの性能を確認しました",
  "quarterly-planning: rollback plan agreed",
  "  leading and trailing spaces  ",
  'quotes "inside" a message, and a * star, and -minus',
];

/** A message to send: body, which room (by index) and which author (by index). */
export interface CorpusMessage {
  body: string;
  room: number;
  author: number;
}

/** `count` generated messages plus the marked ones, the same for every run (seeded). */
export function searchCorpus(count: number, rooms: number, authors: number, seed = 22): CorpusMessage[] {
  const random = seededRandom(seed);
  const languages = Object.keys(LANGUAGES) as Language[];
  const pick = <T>(items: readonly T[]): T => {
    // Zipf-like: the i-th item is chosen with odds about 1 / (i + 1).
    const weights = items.map((_, i) => 1 / (i + 1));
    let roll = random() * weights.reduce((a, b) => a + b, 0);
    for (let i = 0; i < items.length; i++) {
      roll -= weights[i] as number;
      if (roll <= 0) return items[i] as T;
    }
    return items.at(-1) as T;
  };
  const messages: CorpusMessage[] = MARKED.map((body, i) => ({ body, room: i % rooms, author: i % authors }));
  for (let i = 0; i < count; i++) {
    const language = languages[Math.floor(random() * languages.length)] as Language;
    const length = 2 + Math.floor(random() * 8);
    const words = Array.from({ length }, () => pick(LANGUAGES[language]));
    const joiner = language === "chinese" || language === "japanese" ? (random() < 0.7 ? "" : " ") : " ";
    messages.push({
      body: words.join(joiner),
      room: Math.floor(random() * rooms),
      author: Math.floor(random() * authors),
    });
  }
  return messages;
}

/** Text as search compares it: no diacritics, lower case. */
const fold = (text: string) => text.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase();
const words = (text: string) => (text.match(/[\p{L}\p{N}\p{M}]+/gu) ?? []).map(fold);
const CJK = /[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff]/u;

/**
 * What one term of a query means, written plainly, without any index: the reference the
 * engines' answers are checked against. A term is a word (`word`), a prefix (`word*`), a
 * phrase (`"a b"`) or a CJK substring; `-` excludes.
 */
export interface ExpectedTerm {
  words: string[];
  prefix?: boolean;
  exclude?: boolean;
}

function termMatches(body: string, term: ExpectedTerm): boolean {
  const joined = term.words.join(" ");
  if (CJK.test(joined)) return body.toLowerCase().includes(joined.toLowerCase());
  const tokens = words(body);
  const wanted = term.words.map(fold);
  const last = wanted.length - 1;
  for (let i = 0; i + last < tokens.length; i++) {
    if (
      wanted.every((w, k) =>
        k === last && term.prefix ? (tokens[i + k] as string).startsWith(w) : tokens[i + k] === w,
      )
    ) {
      return true;
    }
  }
  return false;
}

/** Whether a body matches every term (and none of the excluded ones). */
export function bodyMatches(body: string, terms: readonly ExpectedTerm[]): boolean {
  return terms.every((term) => termMatches(body, term) !== Boolean(term.exclude));
}
