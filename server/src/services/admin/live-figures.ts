/** What one live transport (WebSocket, event streams) reports to the statistics. */
export interface LiveSource {
  /** Open long-lived connections. */
  sockets(): number;
  /** Live subscriptions to a room's events. */
  watchers(): number;
}

/**
 * The live figures of every transport of this server, summed. The composition root gives
 * it to the admin service, and each transport registers itself once it is listening, so
 * the service reads live state without knowing any transport.
 */
export class LiveFigures implements LiveSource {
  private readonly sources = new Set<LiveSource>();

  /** Adds a transport's figures; returns what removes them again. */
  register(source: LiveSource): () => void {
    this.sources.add(source);
    return () => this.sources.delete(source);
  }

  sockets(): number {
    return this.sum((source) => source.sockets());
  }

  watchers(): number {
    return this.sum((source) => source.watchers());
  }

  private sum(figure: (source: LiveSource) => number): number {
    let total = 0;
    for (const source of this.sources) total += figure(source);
    return total;
  }
}
