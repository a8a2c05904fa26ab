import { describe, expect, it } from "vitest";
import { busiestHour, CHART, layOutHourlyChart, niceCeiling } from "./hourly-chart.js";

const hours = (counts: number[]) =>
  counts.map((count, index) => ({ hour: new Date(Date.UTC(2026, 11, 3, index)).toISOString(), count }));

describe("the messages-per-hour chart", () => {
  it("rounds the scale up to 1, 2 or 5 times a power of ten", () => {
    expect([0, 1, 2, 3, 7, 10, 11, 26, 99, 101, 4500].map(niceCeiling)).toEqual([
      1, 1, 2, 5, 10, 10, 20, 50, 100, 200, 5000,
    ]);
  });

  it("draws bars left to right, oldest first, with heights in proportion", () => {
    const { bars, scaleMax, gridLines } = layOutHourlyChart(hours([0, 5, 10, 20]));
    expect(scaleMax).toBe(20);
    expect(bars.map((bar) => bar.count)).toEqual([0, 5, 10, 20]);
    expect(bars.every((bar, i) => i === 0 || bar.x > (bars[i - 1]?.x ?? 0))).toBe(true);
    const full = CHART.height - CHART.top - CHART.bottom;
    expect(bars.map((bar) => bar.height)).toEqual([0, full / 4, full / 2, full]);
    expect(bars[3]?.y).toBe(CHART.top);
    expect(bars.every((bar) => bar.x >= CHART.left && bar.x + bar.width <= CHART.width - CHART.right)).toBe(true);
    expect(gridLines.map((line) => line.value)).toEqual([0, 4, 8, 12, 16, 20]);
    expect(layOutHourlyChart(hours([2])).gridLines.map((line) => line.value)).toEqual([0, 1, 2]);
  });

  it("still draws an axis for a quiet day", () => {
    const { bars, scaleMax } = layOutHourlyChart(hours(new Array(24).fill(0)));
    expect(scaleMax).toBe(1);
    expect(bars).toHaveLength(24);
    expect(bars.every((bar) => bar.height === 0)).toBe(true);
    expect(busiestHour(hours(new Array(24).fill(0)))).toBeUndefined();
  });

  it("names the latest of the busiest hours", () => {
    expect(busiestHour(hours([3, 9, 1, 9, 2]))?.hour).toBe(new Date(Date.UTC(2026, 11, 3, 3)).toISOString());
  });
});
