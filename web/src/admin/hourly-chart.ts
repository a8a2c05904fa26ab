/** One hour of a messages-per-hour series: the hour's start (ISO) and the messages sent in it. */
export interface HourCount {
  hour: string;
  count: number;
}

/** A bar of the chart, in the chart's own units (its viewBox). */
export interface Bar {
  x: number;
  y: number;
  width: number;
  height: number;
  hour: string;
  count: number;
}

/** The chart's drawing: its bars, the scale's top value and the grid lines' values and heights. */
export interface ChartLayout {
  bars: Bar[];
  scaleMax: number;
  gridLines: { value: number; y: number }[];
}

/** The drawing area of the chart inside its viewBox, leaving room for the axis labels. */
export const CHART = { width: 720, height: 240, left: 44, right: 8, top: 12, bottom: 28 } as const;

/**
 * The smallest "round" number (1, 2 or 5 times a power of ten) at or above `value`, so that
 * the scale reads naturally; at least 1, so an empty day still draws an axis.
 */
export function niceCeiling(value: number): number {
  if (value <= 1) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}

/** Lays the series out as bars from left (oldest) to right (newest), with grid lines at whole numbers. */
export function layOutHourlyChart(series: readonly HourCount[]): ChartLayout {
  const plotWidth = CHART.width - CHART.left - CHART.right;
  const plotHeight = CHART.height - CHART.top - CHART.bottom;
  const scaleMax = niceCeiling(Math.max(0, ...series.map((point) => point.count)));
  const slot = plotWidth / Math.max(1, series.length);
  const baseline = CHART.top + plotHeight;
  const bars = series.map((point, index) => {
    const height = (point.count / scaleMax) * plotHeight;
    return {
      x: CHART.left + index * slot + slot * 0.15,
      y: baseline - height,
      width: slot * 0.7,
      height,
      hour: point.hour,
      count: point.count,
    };
  });
  // scaleMax is 1, 2 or 5 times a power of ten: at most five steps of a whole number each.
  const steps = Math.min(scaleMax, 5);
  const gridLines = Array.from({ length: steps + 1 }, (_, step) => {
    const value = (scaleMax * step) / steps;
    return { value, y: baseline - (value / scaleMax) * plotHeight };
  });
  return { bars, scaleMax, gridLines };
}

/** The busiest hour of the series (the latest of equals), or undefined when nothing was sent. */
export function busiestHour(series: readonly HourCount[]): HourCount | undefined {
  let busiest: HourCount | undefined;
  for (const point of series) if (point.count > 0 && point.count >= (busiest?.count ?? 0)) busiest = point;
  return busiest;
}
