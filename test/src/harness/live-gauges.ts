/** A metric of the server's without labels, as `/metrics` answers it now (NaN when it has none of that name). */
export async function metricValue(url: string, name: string, metricsToken?: string): Promise<number> {
  const res = await fetch(`${url}/metrics`, {
    headers: metricsToken === undefined ? {} : { authorization: `Bearer ${metricsToken}` },
  });
  const line = (await res.text()).split("\n").find((candidate) => candidate.startsWith(`${name} `));
  return Number(line?.slice(line.lastIndexOf(" ") + 1));
}

/** One of the server's live gauges from /metrics: `natter_ws_subscriptions` or `natter_ws_connections`. */
export function liveGauge(
  url: string,
  metricsToken: string,
  name: "natter_ws_subscriptions" | "natter_ws_connections",
): Promise<number> {
  return metricValue(url, name, metricsToken);
}
