import { useLayoutEffect, useRef } from "preact/hooks";
import { busiestHour, CHART, type HourCount, layOutHourlyChart } from "../../admin/hourly-chart.js";

/** Every third hour is labelled under the axis; the table below names them all. */
const LABEL_EVERY_HOURS = 3;

/**
 * Messages per hour over the last 24 hours as bars, drawn here (no chart library). Screen
 * readers get the figure's title and a summary, and the same numbers as a table.
 */
export function MessagesChart({ series }: { series: readonly HourCount[] }) {
  const { bars, gridLines } = layOutHourlyChart(series);
  const scroller = useRef<HTMLElement>(null);
  // Where it scrolls, the newest hours are the ones in view.
  useLayoutEffect(() => {
    if (scroller.current) scroller.current.scrollLeft = scroller.current.scrollWidth;
  }, [series]);
  const total = series.reduce((sum, point) => sum + point.count, 0);
  const busiest = busiestHour(series);
  const first = series[0];
  const summary =
    `${total} message${total === 1 ? "" : "s"} in the last 24 hours` +
    (first ? `, from ${hourLabel(first.hour)} until now` : "") +
    (busiest ? `; the busiest hour began at ${hourLabel(busiest.hour)} with ${busiest.count}.` : ".");
  const baseline = gridLines[0]?.y ?? CHART.height - CHART.bottom;

  return (
    <figure class="chart">
      {/* biome-ignore lint/a11y/noNoninteractiveTabindex: on a narrow screen the chart scrolls sideways, by keyboard too */}
      <section ref={scroller} class="chart-scroll" tabIndex={0} aria-label="Chart, scrolls sideways on narrow screens">
        <svg
          class="chart-svg"
          viewBox={`0 0 ${CHART.width} ${CHART.height}`}
          role="img"
          aria-labelledby="messages-chart-title messages-chart-desc"
        >
          <title id="messages-chart-title">Messages per hour, last 24 hours</title>
          <desc id="messages-chart-desc">{summary}</desc>
          {gridLines.map((line) => (
            <g key={line.value} class="chart-grid">
              <line x1={CHART.left} x2={CHART.width - CHART.right} y1={line.y} y2={line.y} />
              <text x={CHART.left - 6} y={line.y} dy="0.35em" text-anchor="end">
                {line.value}
              </text>
            </g>
          ))}
          {bars.map((bar, index) => (
            <g key={bar.hour}>
              <rect class="chart-bar" x={bar.x} y={bar.y} width={bar.width} height={bar.height}>
                <title>{`${hourLabel(bar.hour)}: ${bar.count} message${bar.count === 1 ? "" : "s"}`}</title>
              </rect>
              {index % LABEL_EVERY_HOURS === 0 && (
                <text class="chart-label" x={bar.x + bar.width / 2} y={baseline + 18} text-anchor="middle">
                  {hourLabel(bar.hour)}
                </text>
              )}
            </g>
          ))}
        </svg>
      </section>
      <figcaption class="hint">{summary}</figcaption>
      <details class="chart-table">
        <summary>The numbers as a table</summary>
        <table>
          <caption class="visually-hidden">Messages per hour, last 24 hours</caption>
          <thead>
            <tr>
              <th scope="col">Hour from</th>
              <th scope="col">Messages</th>
            </tr>
          </thead>
          <tbody>
            {series.map((point) => (
              <tr key={point.hour}>
                <td>
                  <time dateTime={point.hour}>{hourLabel(point.hour)}</time>
                </td>
                <td>{point.count}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}

function hourLabel(iso: string): string {
  return new Date(iso).toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" });
}
