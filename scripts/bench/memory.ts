/**
 * Memory and connection reuse over one long-lived warm container: RSS and heap at checkpoints
 * (after 100, 1,000 and 20,000 sequential calls by default), with the handshakes and secret
 * fetches of the container's whole life.
 */
import type { Sandbox } from '../../test/sandbox/index.js';
import { round, summarize } from './stats.js';
import type { Summary } from './stats.js';
import type { Side, Worker } from './workers.js';
import type { Payloads } from './warm.js';

/**
 * `checkpoints` ascending; calls between them go in chunks of at most `chunk`. `nodeFlags` go to
 * the worker (for example Lambda's `--max-semi-space-size` for a memory size).
 */
type MemoryPlan = { checkpoints: number[]; chunk: number; nodeFlags?: string[] };

type Checkpoint = { calls: number; rssMb: number; heapMb: number; heapTotalMb: number; heapAfterGcMb: number | undefined };

type MemoryResult = {
  nodeFlags: string[];
  checkpoints: Checkpoint[];
  /** RSS growth from the first to the last checkpoint (issue 5's measure). */
  rssGrowthMb: number;
  /** RSS growth from the second checkpoint on, once the JIT and V8's young generation have settled. */
  rssSteadyGrowthMb: number;
  /** Growth of the heap V8 reserves, from the first to the last checkpoint: most of the RSS growth when it is V8 sizing its young generation. */
  heapTotalGrowthMb: number;
  /** Live heap growth (after full GCs) from the first to the last checkpoint: the leak indicator. */
  heapGrowthMb: number | undefined;
  /** Over the container's whole life, from its init. */
  handshakes: number;
  secretFetches: number;
  latency: Summary;
};

const MB = 1024 * 1024;

/** --expose-gc lets the bench read the heap after a full GC (Lambda's runtime starts node with it too). */
const MEMORY_EXEC_ARGV = ['--expose-gc'];

const measure = async (sandbox: Sandbox, side: Side, worker: Worker, payloads: Payloads, plan: MemoryPlan): Promise<MemoryResult> => {
  const latencies: number[] = [];
  const checkpoints: Checkpoint[] = [];
  let done = 0;
  for (const target of plan.checkpoints) {
    while (done < target) {
      const count = Math.min(plan.chunk, target - done);
      const atCheckpoint = done + count === target;
      const report = await worker.run(await payloads(side, 'M', count), 1, { collect: atCheckpoint });
      latencies.push(...report.latencies);
      done += count;
      if (atCheckpoint) {
        const heapAfterGcMb = report.heapAfterGc === undefined ? undefined : round(report.heapAfterGc / MB, 1);
        checkpoints.push({
          calls: done,
          rssMb: round(report.rss / MB, 1),
          heapMb: round(report.heapUsed / MB, 1),
          heapTotalMb: round(report.heapTotal / MB, 1),
          heapAfterGcMb,
        });
      }
    }
  }
  const first = checkpoints[0];
  const second = checkpoints[1] ?? first;
  const last = checkpoints[checkpoints.length - 1];
  if (first === undefined || second === undefined || last === undefined) throw new Error('the memory plan has no checkpoints');
  return {
    nodeFlags: [...MEMORY_EXEC_ARGV, ...(plan.nodeFlags ?? [])],
    checkpoints,
    rssGrowthMb: round(last.rssMb - first.rssMb, 1),
    rssSteadyGrowthMb: round(last.rssMb - second.rssMb, 1),
    heapTotalGrowthMb: round(last.heapTotalMb - first.heapTotalMb, 1),
    heapGrowthMb: first.heapAfterGcMb === undefined || last.heapAfterGcMb === undefined ? undefined : round(last.heapAfterGcMb - first.heapAfterGcMb, 1),
    handshakes: sandbox.primary.stats.handshakes,
    secretFetches: sandbox.secrets.stats.getSecretValue,
    latency: summarize(latencies),
  };
};

/**
 * Starts a fresh worker with `start` (the sandbox's counters reset first, so the init's secret
 * prefetch counts), runs the plan's sequential calls in chunks (so the payloads never pile up in
 * the child), reads memory at each checkpoint, and stops the worker.
 * @throws {Error} when any call fails (the worker rejects).
 */
const runMemory = async (
  sandbox: Sandbox,
  side: Side,
  start: (execArgv: string[]) => Promise<Worker>,
  payloads: Payloads,
  plan: MemoryPlan,
): Promise<MemoryResult> => {
  sandbox.resetStats();
  const worker = await start([...MEMORY_EXEC_ARGV, ...(plan.nodeFlags ?? [])]);
  try {
    return await measure(sandbox, side, worker, payloads, plan);
  } finally {
    await worker.stop();
  }
};

export { runMemory };
export type { MemoryPlan, MemoryResult, Checkpoint };
