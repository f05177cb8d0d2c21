import { textOf } from '../../helpers/text.js';
import type { MetricRef } from './metrics.js';
import type { Template } from './package-service.js';

/** A widget of a CloudWatch dashboard body (only the parts the tests and the picture read). */
type Widget = {
  type: string;
  x: number;
  y: number;
  width: number;
  height: number;
  properties: Record<string, unknown> & { title?: string; markdown?: string; metrics?: unknown[][] };
};
type DashboardBody = { widgets: Widget[] } & Record<string, unknown>;
/** One row of a metric widget: the metric, and the row's options (`stat`, `label`, ...). */
type MetricRow = MetricRef & { options: Record<string, unknown> };

/** The dashboard grid is 24 units wide (CloudWatch dashboard body structure). */
const GRID_WIDTH = 24;

/**
 * The one dashboard's body, parsed. It is an `Fn::Sub` string whose `${...}` placeholders all sit
 * inside JSON strings, so it parses as it is.
 *
 * @throws {Error} when the template holds no dashboard or more than one, or the body is not JSON.
 */
const dashboardOf = (template: Template): { name: unknown; text: string; body: DashboardBody } => {
  const dashboards = Object.values(template.Resources).filter((r) => r.Type === 'AWS::CloudWatch::Dashboard');
  if (dashboards.length !== 1 || dashboards[0] === undefined) throw new Error(`expected one dashboard, found ${dashboards.length}`);
  const raw = dashboards[0].Properties.DashboardBody as { 'Fn::Sub'?: unknown } | string;
  const text = typeof raw === 'string' ? raw : raw['Fn::Sub'];
  if (typeof text !== 'string') throw new Error('the dashboard body is neither a string nor an Fn::Sub of one string');
  return { name: dashboards[0].Properties.DashboardName, text, body: JSON.parse(text) as DashboardBody };
};

/**
 * The metric rows of a metric widget, with CloudWatch's "." shorthand (same as the row above)
 * expanded. A row that is only an options object (a math expression) has no metric.
 */
const metricRowsOf = (widget: Widget): MetricRow[] => {
  const rows: MetricRow[] = [];
  let previous: unknown[] = [];
  for (const row of widget.properties.metrics ?? []) {
    const last = row.at(-1);
    const hasOptions = last !== null && typeof last === 'object' && !Array.isArray(last);
    const parts = (hasOptions ? row.slice(0, -1) : row).map((part, i) => (part === '.' ? previous[i] : part));
    const options = (hasOptions ? last : {}) as Record<string, unknown>;
    if (parts.length === 0) continue;
    previous = parts;
    const [namespace, metricName, ...pairs] = parts;
    const dimensions: Record<string, unknown> = {};
    for (let i = 0; i + 1 < pairs.length; i += 2) dimensions[String(pairs[i])] = pairs[i + 1];
    rows.push({ namespace: String(namespace), metricName: String(metricName), dimensions, options });
  }
  return rows;
};

/** The label a widget gets in the picture: its title, or what it is. */
const labelOf = (widget: Widget): string => {
  if (typeof widget.properties.title === 'string') return widget.properties.title;
  if (widget.type === 'text') return `text: ${(widget.properties.markdown ?? '').split('\n')[0]?.replace(/^#+\s*/, '') ?? ''}`;
  return widget.type;
};

/** What a widget shows, in a few words: each metric with its statistics, or the number of alarms. */
const summaryOf = (widget: Widget): string => {
  if (widget.type === 'alarm') return `${(widget.properties.alarms as unknown[] | undefined)?.length ?? 0} alarms, by state`;
  if (widget.type !== 'metric') return '';
  const stats = new Map<string, string[]>();
  for (const row of metricRowsOf(widget)) {
    const stat = textOf(row.options.stat ?? widget.properties.stat ?? 'Average');
    stats.set(row.metricName, [...(stats.get(row.metricName) ?? []), stat]);
  }
  const parts = [...stats].map(([name, list]) => {
    const distinct = [...new Set(list)];
    return distinct.length === 1 && list.length > 1 ? `${name} ${distinct[0]} x${list.length}` : `${name} ${distinct.join(' ')}`;
  });
  return `${parts.join(', ')}${widget.properties.stacked === true ? ' (stacked)' : ''}`;
};

const wrap = (text: string, width: number): string[] => {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = '';
    }
    line = line === '' ? word.slice(0, width) : `${line} ${word}`;
  }
  if (line !== '') lines.push(line);
  return lines;
};

/**
 * Draws the dashboard's layout as text: one box per widget at its grid position (4 characters per
 * grid column, one line per grid row, neighbours share their borders), labelled with its title and
 * what it plots (each metric with its statistics).
 */
const drawDashboard = (body: DashboardBody): string => {
  const scaleX = 4;
  const rows = Math.max(...body.widgets.map((w) => w.y + w.height)) + 1;
  const canvas = Array.from({ length: rows }, () => Array.from({ length: GRID_WIDTH * scaleX + 1 }, () => ' '));
  const put = (row: number, column: number, char: string): void => {
    const line = canvas[row];
    if (line === undefined || column >= line.length) return;
    const current = line[column];
    line[column] = current === '+' || ((current === '-' || current === '|') && char !== current) ? '+' : char;
  };
  for (const widget of body.widgets) {
    const [left, right] = [widget.x * scaleX, (widget.x + widget.width) * scaleX];
    const [top, bottom] = [widget.y, widget.y + widget.height];
    for (let column = left; column <= right; column += 1) {
      put(top, column, column === left || column === right ? '+' : '-');
      put(bottom, column, column === left || column === right ? '+' : '-');
    }
    for (let row = top + 1; row < bottom; row += 1) {
      put(row, left, '|');
      put(row, right, '|');
    }
    const width = right - left - 3;
    const summary = summaryOf(widget);
    const text = [...wrap(labelOf(widget), width), ...(summary === '' ? [] : ['', ...wrap(summary, width)])].slice(0, Math.max(0, bottom - top - 1));
    text.forEach((line, i) => {
      [...line].forEach((char, j) => {
        const target = canvas[top + 1 + i];
        if (target !== undefined) target[left + 2 + j] = char;
      });
    });
  }
  return canvas.map((line) => line.join('').trimEnd()).join('\n');
};

export { dashboardOf, metricRowsOf, drawDashboard, GRID_WIDTH };
export type { Widget, DashboardBody, MetricRow };
