import { useEffect, useState } from "preact/hooks";

/**
 * The seconds left before the caller may send again in a room in slow mode, counted from
 * their last send from this composer and ticking down each second; 0 when they may send.
 * The server counts too (across devices): a send it refuses shows its SLOW_MODE answer.
 */
export function useSlowModeWait(slowModeSeconds: number, exempt: boolean): [number, () => void] {
  const [lastSentAt, setLastSentAt] = useState<number | null>(null);
  const [now, setNow] = useState(() => Date.now());
  const endsAt = lastSentAt === null || exempt ? 0 : lastSentAt + slowModeSeconds * 1000;
  const left = Math.max(0, Math.ceil((endsAt - now) / 1000));
  useEffect(() => {
    if (left === 0) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [left === 0]);
  const sent = () => {
    const at = Date.now();
    setLastSentAt(at);
    setNow(at);
  };
  return [left, sent];
}
