/**
 * Warm, cold and memory phases. Warm: the three sides in interleaved rounds (the order rotated and
 * reversed round by round, so drift between rounds spreads evenly). Cold: a fresh process per
 * sample, the sides interleaved. Memory: one long-lived process per side.
 */
import type { LambdaProcess } from '../../test/helpers/lambda-process.js';
import type { Sandbox } from '../../test/sandbox/index.js';
import { SIDES, bySide, median, round, runBatch, eventsFor, startSide, summarize } from './sides.js';
import type { Side, Summary } from './sides.js';

type WarmPlan = { rounds: number; sequentialCalls: number; concurrentCalls: number; concurrency: number; warmupCalls: number };
/** One side in one mode: latency (ms), CPU per call (µs), new TLS connections per 1,000 calls. */
type WarmSide = Summary & { calls: number; cpuUs: number; handshakesPer1k: number };
type WarmMode = { concurrency: number; sides: Record<Side, WarmSide> };

/**
 * Warms every side up, then runs the sequential and the concurrent rounds.
 * @throws {Error} when any call fails.
 */
const runWarm = async (sandbox: Sandbox, lambdas: Record<Side, LambdaProcess>, plan: WarmPlan): Promise<WarmMode[]> => {
  for (const side of SIDES) {
    for (const concurrency of [1, plan.concurrency]) await runBatch(sandbox, side, lambdas[side], plan.warmupCalls, concurrency, { warmUp: true });
  }
  const modes: WarmMode[] = [];
  for (const [calls, concurrency] of [[plan.sequentialCalls, 1], [plan.concurrentCalls, plan.concurrency]] as const) {
    const runs = bySide((): { latencies: number[]; cpuUs: number; handshakes: number }[] => []);
    for (let index = 0; index < plan.rounds; index += 1) {
      const order = [...SIDES.slice(index % 3), ...SIDES.slice(0, index % 3)];
      for (const side of index % 2 === 0 ? order : order.reverse()) {
        // Untimed calls first: the side's connections may have been retired while the others ran.
        await runBatch(sandbox, side, lambdas[side], concurrency * 2, concurrency, { warmUp: true });
        sandbox.resetStats();
        const report = await runBatch(sandbox, side, lambdas[side], Math.ceil(calls / plan.rounds), concurrency);
        runs[side].push({ latencies: report.latencies, cpuUs: report.cpuUs, handshakes: sandbox.primary.stats.handshakes });
      }
    }
    const combine = (side: Side): WarmSide => {
      const latencies = runs[side].flatMap((run) => run.latencies);
      const total = (pick: (run: { cpuUs: number; handshakes: number }) => number): number => runs[side].reduce((sum, run) => sum + pick(run), 0);
      return { ...summarize(latencies), calls: latencies.length, cpuUs: round(total((run) => run.cpuUs) / latencies.length, 0), handshakesPer1k: round((total((run) => run.handshakes) * 1000) / latencies.length, 2) };
    };
    modes.push({ concurrency, sides: bySide(combine) });
  }
  return modes;
};

/** Medians over fresh processes, in ms since each process started; CPU in ms. */
type ColdSide = { samples: number; importedMs: number; resultMs: number; initCpuMs: number; resultCpuMs: number };

/**
 * Starts a fresh process per side and sample, times its import and its first result (secret,
 * handshake, call), and stops it. One untimed round first: the first spawn pays for the page cache.
 * @throws {Error} when a first invocation fails.
 */
const runCold = async (sandbox: Sandbox, samples: number): Promise<Record<Side, ColdSide>> => {
  const marks = bySide((): Omit<ColdSide, 'samples'>[] => []);
  for (let index = 0; index <= samples; index += 1) {
    for (const side of index % 2 === 0 ? SIDES : [...SIDES].reverse()) {
      const [event] = eventsFor(sandbox, side, 1);
      const lambda = await startSide(sandbox, side);
      try {
        const first = await lambda.invoke(event);
        if (!first.ok) throw new Error(`${side}: the first invocation failed: ${first.error.message}`);
        const { importedMs, initCpuUs } = lambda.init;
        if (index > 0) marks[side].push({ importedMs, resultMs: first.at ?? Number.NaN, initCpuMs: initCpuUs / 1000, resultCpuMs: (first.cpuUs ?? Number.NaN) / 1000 });
      } finally {
        await lambda.stop();
      }
    }
  }
  return bySide((side) => {
    const of = (pick: (mark: Omit<ColdSide, 'samples'>) => number): number => median(marks[side].map(pick));
    return { samples, importedMs: of((m) => m.importedMs), resultMs: of((m) => m.resultMs), initCpuMs: of((m) => m.initCpuMs), resultCpuMs: of((m) => m.resultCpuMs) };
  });
};

type MemoryPlan = { checkpoints: number[]; chunk: number };
/** At each checkpoint (calls so far), in MB: RSS, the heap V8 has reserved, the live heap after a full GC. */
type MemoryPoint = { calls: number; rssMb: number; reservedMb: number; heapMb: number };
const mb = (bytes = Number.NaN, digits = 1): number => round(bytes / 2 ** 20, digits);

/**
 * One sequential container (node --expose-gc) through the checkpoints, in chunks.
 * @throws {Error} when any call fails.
 */
const runMemory = async (sandbox: Sandbox, side: Side, plan: MemoryPlan): Promise<MemoryPoint[]> => {
  const lambda = await startSide(sandbox, side, { execArgv: ['--expose-gc'] });
  const points: MemoryPoint[] = [];
  let done = 0;
  try {
    for (const checkpoint of plan.checkpoints) {
      while (done < checkpoint) {
        const count = Math.min(plan.chunk, checkpoint - done);
        done += count;
        const report = await runBatch(sandbox, side, lambda, count, 1, { collect: done === checkpoint });
        if (done === checkpoint) points.push({ calls: done, rssMb: mb(report.rss), reservedMb: mb(report.heapTotal), heapMb: mb(report.heapAfterGc, 2) });
      }
      sandbox.resetStats();
    }
  } finally {
    await lambda.stop();
  }
  return points;
};

export { runWarm, runCold, runMemory };
export type { WarmPlan, WarmMode, WarmSide, ColdSide, MemoryPlan, MemoryPoint };
