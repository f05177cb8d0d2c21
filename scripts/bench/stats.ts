/** Summary statistics of the bench: latency distributions, medians, ratios. */

/** A latency distribution in milliseconds. */
type Summary = { count: number; mean: number; p50: number; p99: number; max: number };

const round = (value: number, digits = 3): number => Number(value.toFixed(digits));

/** Nearest-rank percentile of an ascending array (`q` in 0..1). */
const percentile = (sorted: readonly number[], q: number): number =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? Number.NaN;

/** Mean, p50, p99 and max of `values`. */
const summarize = (values: readonly number[]): Summary => {
  const sorted = [...values].sort((a, b) => a - b);
  const mean = sorted.reduce((sum, value) => sum + value, 0) / sorted.length;
  return {
    count: sorted.length,
    mean: round(mean),
    p50: round(percentile(sorted, 0.5)),
    p99: round(percentile(sorted, 0.99)),
    max: round(sorted[sorted.length - 1] ?? Number.NaN),
  };
};

/** The median of `values` (mean of the middle two for an even count). */
const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const value = sorted.length % 2 === 1 ? sorted[middle] : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
  return round(value ?? Number.NaN, 2);
};

/** `a / b`, rounded to 3 digits. */
const ratio = (a: number, b: number): number => round(a / b);

export { summarize, median, ratio, round, percentile };
export type { Summary };
