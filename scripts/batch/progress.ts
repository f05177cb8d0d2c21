/**
 * What `npm run batch` prints: a progress bar (done / total, then counts by outcome or, in AWS
 * before the report exists, by child execution status) and the summary table at the end.
 */
import { OUTCOMES } from '../../lib/batch/outcomes.js';
import type { OutcomeCounts } from '../../lib/batch/outcomes.js';

const BAR_WIDTH = 30;

/** `[#########.....]  123/500  24.6%` */
const renderBar = (done: number, total: number | undefined): string => {
  if (total === undefined) return `[${'.'.repeat(BAR_WIDTH)}]  preparing`;
  const share = total === 0 ? 1 : Math.min(1, done / total);
  const filled = Math.round(share * BAR_WIDTH);
  const width = String(total).length;
  return `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}]  ${String(done).padStart(width)}/${total}  ${(share * 100).toFixed(1).padStart(5)}%`;
};

/** The progress line of a local run: done / total, then every outcome's count so far. */
const renderOutcomeProgress = (progress: Readonly<{ total: number | undefined; done: number; counts: OutcomeCounts }>): string =>
  `${renderBar(progress.done, progress.total)}  ${OUTCOMES.map((outcome) => `${outcome} ${progress.counts[outcome]}`).join(' · ')}`;

/** The progress line of a run in AWS: done / total from the map run, then its children by status. */
const renderStatusProgress = (counts: Readonly<Record<string, number>> & { total?: number }, done: number): string =>
  `${renderBar(done, counts.total)}  ${Object.entries(counts)
    .filter(([status]) => status !== 'total')
    .map(([status, count]) => `${status} ${count}`)
    .join(' · ')}`;

/** Writes progress lines: rewritten in place on a terminal, otherwise one line per change of a tenth. */
const createProgressPrinter = (stream: NodeJS.WriteStream) => {
  let lastTenth = -1;
  let last = '';
  let printed = '';
  return {
    update: (line: string, share: number): void => {
      if (line === last) return;
      last = line;
      if (stream.isTTY) {
        stream.write(`\r\x1b[2K${line}`);
        return;
      }
      const tenth = Math.floor(share * 10);
      if (tenth !== lastTenth) {
        lastTenth = tenth;
        printed = line;
        stream.write(`${line}\n`);
      }
    },
    /** Ends the progress display with its last line. */
    done: (): void => {
      if (stream.isTTY) {
        if (last !== '') stream.write('\n');
      } else if (last !== '' && last !== printed) stream.write(`${last}\n`);
      last = '';
      printed = '';
      lastTenth = -1;
    },
  };
};

/** The summary table: one row per outcome, then the total. */
const renderSummary = (summary: Readonly<{ total: number; counts: OutcomeCounts }>): string => {
  const rows: [string, string][] = [...OUTCOMES.map((outcome): [string, string] => [outcome, String(summary.counts[outcome])]), ['total', String(summary.total)]];
  const width = Math.max('outcome'.length, ...rows.map(([name]) => name.length));
  const countWidth = Math.max('orders'.length, ...rows.map(([, count]) => count.length));
  const line = (name: string, count: string): string => `${name.padEnd(width)}  ${count.padStart(countWidth)}`;
  return [line('outcome', 'orders'), `${'-'.repeat(width)}  ${'-'.repeat(countWidth)}`, ...rows.map(([name, count]) => line(name, count))].join('\n');
};

export { renderBar, renderOutcomeProgress, renderStatusProgress, renderSummary, createProgressPrinter };
