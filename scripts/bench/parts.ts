/**
 * Where the function's warm cost goes, by difference: the limit, the function, and builds of the
 * function without one part (scripts/bench/entries/), each in its own worker, measured in
 * interleaved rounds (the order reversed every round) against the same sandbox.
 */
import type { Sandbox } from '../../test/sandbox/index.js';
import { BENCH_REASON } from './requests.js';
import type { SignedRequest } from './requests.js';
import { round } from './stats.js';
import { createPayloads } from './warm.js';
import { startWorker } from './workers.js';
import type { Side, Worker } from './workers.js';

type PartsPlan = { rounds: number; calls: number; concurrency: number; warmupCalls: number };

/** One build's cost per call over all its rounds; `limit` is the bare-https client. */
type PartResult = { name: string; cpuUsPerCall: number; meanUs: number; gcUsPerCall: number };

/**
 * Runs the limit and every bundle (`name` → path) through the plan.
 * @throws {Error} when any call fails.
 */
const runParts = async (
  sandbox: Sandbox,
  sign: (outOrderNo: string) => Promise<SignedRequest>,
  bundles: Readonly<Record<string, string>>,
  plan: PartsPlan,
): Promise<PartResult[]> => {
  const identity = sandbox.certs.clients.merchant;
  const { headers } = await sign('BENCH00000000');
  const payloads = createPayloads(sandbox, sign);
  const entries: { name: string; side: Side; worker: Worker }[] = [];
  try {
    entries.push({
      name: 'limit',
      side: 'limit',
      worker: await startWorker('limit', { url: `${sandbox.primary.url}/wxv/cancelbill`, cert: identity.certPem, key: identity.keyPem, headers }, sandbox.env()),
    });
    for (const [name, bundle] of Object.entries(bundles)) {
      entries.push({ name, side: 'handler', worker: await startWorker('handler', { bundle, reason: BENCH_REASON }, sandbox.env()) });
    }
    const totals = entries.map(() => ({ cpuUs: 0, latencyMs: 0, gcMs: 0, calls: 0 }));
    const run = async (index: number, tag: string, count: number, timed: boolean): Promise<void> => {
      const entry = entries[index];
      const total = totals[index];
      if (entry === undefined || total === undefined) return;
      const report = await entry.worker.run(await payloads(entry.side, tag, count), plan.concurrency);
      if (!timed) return;
      total.cpuUs += report.cpuUserUs + report.cpuSystemUs;
      total.latencyMs += report.latencies.reduce((sum, latency) => sum + latency, 0);
      total.gcMs += report.gcMs;
      total.calls += report.calls;
    };
    const indexes = entries.map((_, index) => index);
    for (const index of indexes) await run(index, 'W', plan.warmupCalls, false);
    for (let round_ = 0; round_ < plan.rounds; round_ += 1) {
      for (const index of round_ % 2 === 0 ? indexes : [...indexes].reverse()) {
        // Untimed calls first: the server closes idle keep-alive sockets after 5 s.
        await run(index, 'P', plan.concurrency * 4, false);
        await run(index, 'P', Math.ceil(plan.calls / plan.rounds), true);
      }
    }
    return entries.map((entry, index) => {
      const total = totals[index] ?? { cpuUs: 0, latencyMs: 0, gcMs: 0, calls: 1 };
      return {
        name: entry.name,
        cpuUsPerCall: round(total.cpuUs / total.calls, 0),
        meanUs: round((total.latencyMs * 1000) / total.calls, 0),
        gcUsPerCall: round((total.gcMs * 1000) / total.calls, 1),
      };
    });
  } finally {
    await Promise.allSettled(entries.map((entry) => entry.worker.stop()));
  }
};

/** The results as rows, each with its difference to the limit. */
const formatParts = (results: readonly PartResult[], concurrency: number): string[] => {
  const limit = results.find((result) => result.name === 'limit');
  const delta = (value: number, base: number | undefined): string => (base === undefined ? '' : `${value - base >= 0 ? '+' : ''}${value - base}`);
  return [
    `warm cost of parts (concurrency ${concurrency}; per call)   cpu us  vs limit   mean us  vs limit   gc us`,
    ...results.map(
      (result) =>
        `  ${result.name.padEnd(38)}${String(result.cpuUsPerCall).padStart(7)}${delta(result.cpuUsPerCall, limit?.cpuUsPerCall).padStart(10)}` +
        `${String(result.meanUs).padStart(10)}${delta(result.meanUs, limit?.meanUs).padStart(10)}${result.gcUsPerCall.toFixed(1).padStart(8)}`,
    ),
  ];
};

export { runParts, formatParts };
export type { PartsPlan, PartResult };
