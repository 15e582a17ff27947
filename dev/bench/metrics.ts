// One measured number with its unit and the context needed to read it.

export type MetricContext = Record<string, string | number | boolean>;

export interface Metric {
  metric: string;
  value: number;
  unit: string;
  context: MetricContext;
}

/** `{"metric": …, "value": …, "unit": …, …context}` on one line. */
export function metricJsonLine(m: Metric): string {
  return JSON.stringify({ metric: m.metric, value: m.value, unit: m.unit, ...m.context });
}

/** A fixed-width table of every metric, its value and its context. */
export function metricsTable(metrics: readonly Metric[]): string {
  const rows = metrics.map((m) => [
    m.metric,
    String(m.value),
    m.unit,
    Object.entries(m.context)
      .map(([key, value]) => `${key}=${value}`)
      .join(' '),
  ]);
  const header = ['metric', 'value', 'unit', 'context'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells
      .map((cell, i) => (i === 1 ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
