/** A metric of the server's without labels, as `/metrics` answers it now; throws when it has none of that name. */
async function metricValue(url: string, name: string, metricsToken?: string): Promise<number> {
  const res = await fetch(`${url}/metrics`, {
    headers: metricsToken === undefined ? {} : { authorization: `Bearer ${metricsToken}` },
  });
  const line = (await res.text()).split("\n").find((candidate) => candidate.startsWith(`${name} `));
  // A missing metric is no zero: a check that compares two readings would pass on it.
  if (line === undefined) throw new Error(`/metrics (status ${res.status}) has no ${name}`);
  return Number(line.slice(line.lastIndexOf(" ") + 1));
}

/** One of the server's live gauges from /metrics: `natter_ws_subscriptions` or `natter_ws_connections`. */
export function liveGauge(
  url: string,
  metricsToken: string,
  name: "natter_ws_subscriptions" | "natter_ws_connections",
): Promise<number> {
  return metricValue(url, name, metricsToken);
}

/**
 * The room events the node at `url` has read from the log since it started, for other nodes'
 * publishes it never heard on Redis (`/metrics`, open): a test that waits for a delivery across
 * nodes passes without Redis too, the log's tail delivering a second later.
 */
export function roomEventsReadFromLog(url: string): Promise<number> {
  return metricValue(url, "natter_room_events_read_from_log_total");
}
