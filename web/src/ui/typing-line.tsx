/** Who else is typing, said politely to screen readers. */
export function TypingLine({ typing }: { typing: readonly { userId: string; username: string }[] }) {
  const names = typing.map((user) => user.username);
  let text = "";
  if (names.length === 1) text = `${names[0]} is typing…`;
  else if (names.length === 2) text = `${names[0]} and ${names[1]} are typing…`;
  else if (names.length > 2) text = `${names.length} people are typing…`;
  return (
    <p class="typing" aria-live="polite">
      {text}
    </p>
  );
}
