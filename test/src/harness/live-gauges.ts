/** One of the server's live gauges from /metrics: `natter_ws_subscriptions` or `natter_ws_connections`. */
export async function liveGauge(
  url: string,
  metricsToken: string,
  name: "natter_ws_subscriptions" | "natter_ws_connections",
): Promise<number> {
  const res = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${metricsToken}` } });
  const line = (await res.text()).split("\n").find((candidate) => candidate.startsWith(`${name} `));
  return Number(line?.slice(line.lastIndexOf(" ") + 1));
}
