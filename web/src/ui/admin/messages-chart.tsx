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
  // Where it scrolls, the newest hours are the ones in view: when the figures change, and when the
  // window narrows after the chart was drawn (it had nothing to scroll then).
  useLayoutEffect(() => {
    const element = scroller.current;
    if (!element) return;
    const showNewestHours = () => {
      element.scrollLeft = element.scrollWidth;
    };
    showNewestHours();
    const resized = new ResizeObserver(showNewestHours);
    resized.observe(element);
    return () => resized.disconnect();
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
        <div class="chart-canvas">
          <svg
            class="chart-svg"
            viewBox={`0 0 ${CHART.width} ${CHART.height}`}
            role="img"
            aria-labelledby="messages-chart-title messages-chart-desc"
          >
            <title id="messages-chart-title">Messages per hour, last 24 hours</title>
            <desc id="messages-chart-desc">{summary}</desc>
            {gridLines.map((line) => (
              <line
                key={line.value}
                class="chart-grid"
                x1={CHART.left}
                x2={CHART.width - CHART.right}
                y1={line.y}
                y2={line.y}
              />
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
          {/* The scale stays at the left edge while the bars scroll under it (the newest hours are
            in view on a narrow screen): drawn over the chart, not inside the scrolled drawing. */}
          <div class="chart-axis" aria-hidden="true" style={{ width: `${(CHART.left / CHART.width) * 100}%` }}>
            {gridLines.map((line) => (
              <span key={line.value} class="chart-axis-label" style={{ top: `${(line.y / CHART.height) * 100}%` }}>
                {line.value}
              </span>
            ))}
          </div>
        </div>
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
