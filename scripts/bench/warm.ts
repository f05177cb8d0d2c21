/**
 * The warm comparison: the built handler against the bare-https limit, each in its own child
 * process, in interleaved rounds (ABBA order, so drift between rounds cancels out).
 */
import type { Sandbox } from '../../test/sandbox/index.js';
import { createOrderNumbers, seedOrders } from './requests.js';
import type { SignedRequest } from './requests.js';
import { ratio, round, summarize } from './stats.js';
import type { Summary } from './stats.js';
import type { RunReport, Side, Worker } from './workers.js';

/** How much warm work to do; counts are per side. */
type WarmPlan = { rounds: number; sequentialCalls: number; concurrentCalls: number; concurrency: number; warmupCalls: number };

/** One side of one mode, over all its timed rounds. */
type SideResult = Summary & {
  /** Calls per second over the rounds' wall time. */
  throughput: number;
  cpuUsPerCall: number;
  gcMsPerCall: number;
  handshakesPer1000: number;
  secretFetchesPer1000: number;
  /** Mean latency of each round, to show the spread between rounds. */
  roundMeans: number[];
};

type ModeResult = { concurrency: number; handler: SideResult; limit: SideResult; ratio: { mean: number; p50: number; p99: number; cpu: number } };

type Payloads = (side: Side, tag: string, count: number) => Promise<string[]>;

/** Payloads for a side: fresh seeded order numbers for the handler, their pre-signed bodies for the limit. */
const createPayloads = (sandbox: Sandbox, sign: (outOrderNo: string) => Promise<SignedRequest>): Payloads => {
  const numbers = createOrderNumbers();
  return async (side, tag, count) => {
    const orders = seedOrders(sandbox, numbers(`${side === 'handler' ? 'H' : 'L'}${tag}`, count));
    return side === 'handler' ? orders : Promise.all(orders.map(async (order) => (await sign(order)).body));
  };
};

type Measured = RunReport & { handshakes: number; secretFetches: number };

/** One timed run, with the sandbox's counters for exactly that run. */
const measure = async (sandbox: Sandbox, worker: Worker, payloads: string[], concurrency: number): Promise<Measured> => {
  sandbox.resetStats();
  const report = await worker.run(payloads, concurrency);
  return { ...report, handshakes: sandbox.primary.stats.handshakes, secretFetches: sandbox.secrets.stats.getSecretValue };
};

/** Untimed calls; they must succeed all the same (the worker rejects otherwise). */
const warmUp = async (worker: Worker, payloads: string[], concurrency: number): Promise<void> => {
  await worker.run(payloads, concurrency);
};

const combine = (runs: Measured[]): SideResult => {
  const calls = runs.reduce((sum, run) => sum + run.latencies.length, 0);
  const total = (pick: (run: Measured) => number): number => runs.reduce((sum, run) => sum + pick(run), 0);
  return {
    ...summarize(runs.flatMap((run) => run.latencies)),
    throughput: round((calls * 1000) / total((run) => run.wallMs), 0),
    cpuUsPerCall: round(total((run) => run.cpuUserUs + run.cpuSystemUs) / calls, 1),
    gcMsPerCall: round(total((run) => run.gcMs) / calls, 4),
    handshakesPer1000: round((total((run) => run.handshakes) * 1000) / calls, 2),
    secretFetchesPer1000: round((total((run) => run.secretFetches) * 1000) / calls, 2),
    roundMeans: runs.map((run) => summarize(run.latencies).mean),
  };
};

/**
 * Warms both workers up (JIT, secret, connections), then runs the sequential and the concurrent
 * rounds, alternating which side goes first.
 * @throws {Error} when any call fails: a benchmark of failures measures nothing.
 */
const runWarm = async (
  sandbox: Sandbox,
  workers: Record<Side, Worker>,
  payloads: Payloads,
  plan: WarmPlan,
): Promise<{ sequential: ModeResult; concurrent: ModeResult }> => {
  const sides: Side[] = ['handler', 'limit'];
  for (const side of sides) {
    await warmUp(workers[side], await payloads(side, 'W', plan.warmupCalls), 1);
    await warmUp(workers[side], await payloads(side, 'W', plan.warmupCalls), plan.concurrency);
  }
  const runMode = async (tag: string, totalCalls: number, concurrency: number): Promise<ModeResult> => {
    const runs: Record<Side, Measured[]> = { handler: [], limit: [] };
    const perRound = Math.ceil(totalCalls / plan.rounds);
    for (let index = 0; index < plan.rounds; index += 1) {
      for (const side of index % 2 === 0 ? sides : [...sides].reverse()) {
        // A few untimed calls first: the server closes idle keep-alive sockets after 5 s.
        await warmUp(workers[side], await payloads(side, tag, concurrency * 2), concurrency);
        runs[side].push(await measure(sandbox, workers[side], await payloads(side, tag, perRound), concurrency));
      }
    }
    const handler = combine(runs.handler);
    const limit = combine(runs.limit);
    return {
      concurrency,
      handler,
      limit,
      ratio: {
        mean: ratio(handler.mean, limit.mean),
        p50: ratio(handler.p50, limit.p50),
        p99: ratio(handler.p99, limit.p99),
        cpu: ratio(handler.cpuUsPerCall, limit.cpuUsPerCall),
      },
    };
  };
  const sequential = await runMode('S', plan.sequentialCalls, 1);
  const concurrent = await runMode('C', plan.concurrentCalls, plan.concurrency);
  return { sequential, concurrent };
};

export { runWarm, createPayloads };
export type { WarmPlan, SideResult, ModeResult, Payloads };
