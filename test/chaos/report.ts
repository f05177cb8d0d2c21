/**
 * Counting for the chaos summary line: answers by kind and injected faults.
 */
import { answerKind } from './driver.js';
import type { OrderRun } from './invariants.js';

/** Final answers by kind; a success that found the order already cancelled counts apart. */
const countAnswers = (runs: readonly OrderRun[]): Record<string, number> => {
  const counts: Record<string, number> = {};
  for (const { settled } of runs) {
    const already = settled.final.ok && (settled.final.result as { already_cancelled?: unknown }).already_cancelled === true;
    const kind = already ? 'success(already_cancelled)' : answerKind(settled.final);
    counts[kind] = (counts[kind] ?? 0) + 1;
  }
  return counts;
};

/** The sum of a count table. */
const total = (counts: Readonly<Record<string, number>>): number => Object.values(counts).reduce((sum, count) => sum + count, 0);

export { countAnswers, total };
