/** An emoji the picker offers, with the words its search box finds it by. */
export interface PickerEmoji {
  emoji: string;
  name: string;
}

/** The reactions offered before any search: the ones chat apps put first. */
export const DEFAULT_REACTIONS: readonly PickerEmoji[] = [
  { emoji: "👍", name: "thumbs up yes like" },
  { emoji: "❤️", name: "red heart love" },
  { emoji: "😂", name: "face with tears of joy laugh" },
  { emoji: "🎉", name: "party popper celebrate tada" },
  { emoji: "😮", name: "face with open mouth surprised wow" },
  { emoji: "😢", name: "crying face sad" },
];

/**
 * What the search box looks in: the defaults and a few dozen more, named as Unicode names
 * them plus common words. A short table on purpose: the app ships no emoji database.
 */
export const PICKER_EMOJI: readonly PickerEmoji[] = [
  ...DEFAULT_REACTIONS,
  { emoji: "👎", name: "thumbs down no dislike" },
  { emoji: "👏", name: "clapping hands applause" },
  { emoji: "🙏", name: "folded hands please thanks" },
  { emoji: "🙌", name: "raising hands hooray" },
  { emoji: "👀", name: "eyes looking" },
  { emoji: "🔥", name: "fire hot lit" },
  { emoji: "🚀", name: "rocket launch ship" },
  { emoji: "✅", name: "check mark button done yes" },
  { emoji: "❌", name: "cross mark no wrong" },
  { emoji: "💯", name: "hundred points perfect" },
  { emoji: "🤔", name: "thinking face hmm" },
  { emoji: "😀", name: "grinning face smile happy" },
  { emoji: "😊", name: "smiling face with smiling eyes blush happy" },
  { emoji: "😍", name: "smiling face with heart eyes love" },
  { emoji: "😎", name: "smiling face with sunglasses cool" },
  { emoji: "😅", name: "grinning face with sweat phew" },
  { emoji: "😉", name: "winking face wink" },
  { emoji: "🙂", name: "slightly smiling face" },
  { emoji: "🙃", name: "upside down face" },
  { emoji: "😐", name: "neutral face meh" },
  { emoji: "😴", name: "sleeping face tired" },
  { emoji: "😡", name: "enraged face angry" },
  { emoji: "😱", name: "face screaming in fear shock" },
  { emoji: "🥳", name: "partying face party birthday" },
  { emoji: "🤯", name: "exploding head mind blown" },
  { emoji: "🥲", name: "smiling face with tear" },
  { emoji: "🤝", name: "handshake deal agree" },
  { emoji: "👋", name: "waving hand hello hi bye" },
  { emoji: "💪", name: "flexed biceps strong" },
  { emoji: "⭐", name: "star favourite" },
  { emoji: "✨", name: "sparkles shiny new" },
  { emoji: "💡", name: "light bulb idea" },
  { emoji: "⚠️", name: "warning caution" },
  { emoji: "🐛", name: "bug insect" },
  { emoji: "☕", name: "hot beverage coffee tea" },
  { emoji: "🍕", name: "pizza food" },
  { emoji: "🎂", name: "birthday cake" },
  { emoji: "🏆", name: "trophy win prize" },
  { emoji: "💔", name: "broken heart" },
  { emoji: "💚", name: "green heart" },
  { emoji: "💙", name: "blue heart" },
  { emoji: "👌", name: "ok hand okay" },
  { emoji: "🤣", name: "rolling on the floor laughing rofl" },
  { emoji: "😬", name: "grimacing face awkward" },
];

/** The picker's emoji whose words start with every word of `query` (all of them for an empty query). */
export function searchEmoji(query: string): readonly PickerEmoji[] {
  const terms = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (terms.length === 0) return PICKER_EMOJI;
  return PICKER_EMOJI.filter(({ name }) => {
    const words = name.split(" ");
    return terms.every((term) => words.some((word) => word.startsWith(term)));
  });
}
