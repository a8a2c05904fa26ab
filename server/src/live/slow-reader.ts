/** What the slow-reader cap has seen over a transport's connections. */
export interface SlowReaderStats {
  /** The most unsent bytes one connection held. */
  maxBufferedBytes: number;
  /** Connections dropped because their reader fell too far behind. */
  slowReadersDropped: number;
}

/**
 * The one rule for a reader that falls behind, whatever its transport (a WebSocket, an event
 * stream): a connection holding more than `maxBufferedBytes` unsent bytes reads too slowly and
 * is to be dropped at once (counted here), so a reader that never reads costs at most the cap
 * plus one message of memory; it reconnects and resumes from its last event.
 */
export function isSlowReader(buffered: number, maxBufferedBytes: number, stats: SlowReaderStats): boolean {
  if (buffered > stats.maxBufferedBytes) stats.maxBufferedBytes = buffered;
  if (buffered <= maxBufferedBytes) return false;
  stats.slowReadersDropped += 1;
  return true;
}
