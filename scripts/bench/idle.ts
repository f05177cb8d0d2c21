/**
 * First call after an idle spell. A Lambda container sits frozen between invocations, so its
 * timers do not run, while the front end drops idle keep-alive connections. Here the sandbox drops
 * them after SERVER_IDLE_MS without a FIN (the next request on one gets an RST, as after a NAT or
 * middlebox timeout), a proxy adds a 30 ms round trip, and the function's and the peer's processes
 * are stopped (SIGSTOP) for a gap longer than both that timeout and the function's socket
 * retirement age, then continued and called once each.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { SOCKET_RETIREMENT_MS } from '../../lib/https-transport.js';
import { startDelayProxy } from '../../test/sandbox/delay-proxy.js';
import { startSandbox } from '../../test/sandbox/index.js';
import type { LambdaProcess } from '../../test/helpers/lambda-process.js';
import { eventsFor, median, runBatch, startSide, summarize } from './sides.js';

const ROUND_TRIP_MS = 30;
const SERVER_IDLE_MS = 1000;
const GAP_MS = Math.max(SERVER_IDLE_MS, SOCKET_RETIREMENT_MS) + 1000;
const WARM_CALLS = 5;

/** One first call after a gap: warm and first latency (ms), and what the server saw of that call. */
type IdleSample = {
  warmMs: number;
  firstMs: number;
  error: string | undefined;
  /** Requests written into a connection the server had dropped (each got an RST). */
  deadWrites: number;
  handshakes: number;
  resumed: number;
  /** Requests the server answered. */
  answered: number;
};
/** Latencies are medians over the samples; the rest are totals, with the first error. */
type IdleSide = IdleSample & { failures: number };

type IdleResult = { samples: number; roundTripMs: number; serverIdleMs: number; gapMs: number; retirementMs: number; function: IdleSide; peer: IdleSide };

const summarizeIdle = (list: IdleSample[]): IdleSide => {
  const total = (pick: (sample: IdleSample) => number): number => list.reduce((sum, sample) => sum + pick(sample), 0);
  return {
    warmMs: median(list.map((sample) => sample.warmMs)),
    firstMs: median(list.map((sample) => sample.firstMs)),
    error: list.find((sample) => sample.error !== undefined)?.error,
    failures: list.filter((sample) => sample.error !== undefined).length,
    ...{ deadWrites: total((s) => s.deadWrites), handshakes: total((s) => s.handshakes), resumed: total((s) => s.resumed), answered: total((s) => s.answered) },
  };
};

/**
 * Runs `samples` idle spells with the function and the peer stopped side by side.
 * @throws {Error} when a warm call fails.
 */
const runIdle = async (samples: number): Promise<IdleResult> => {
  const sandbox = await startSandbox({ wechatpay: { keepAlive: { idleMs: SERVER_IDLE_MS, close: 'reset' } } });
  const proxy = await startDelayProxy(sandbox.primary.port, ROUND_TRIP_MS);
  const lambdas: ['function' | 'peer', LambdaProcess][] = [];
  try {
    for (const side of ['function', 'peer'] as const) lambdas.push([side, await startSide(sandbox, side, { env: { WECHATPAY_BASE_URL: proxy.url } })]);
    const seen = { function: [] as IdleSample[], peer: [] as IdleSample[] };
    for (let index = 0; index < samples; index += 1) {
      const warmMs = { function: 0, peer: 0 };
      for (const [side, lambda] of lambdas) {
        await runBatch(sandbox, side, lambda, 2, 1, { warmUp: true });
        warmMs[side] = summarize((await runBatch(sandbox, side, lambda, WARM_CALLS, 1)).latencies).mean;
      }
      for (const [, lambda] of lambdas) process.kill(lambda.pid, 'SIGSTOP');
      await sleep(GAP_MS);
      for (const [, lambda] of lambdas) process.kill(lambda.pid, 'SIGCONT');
      for (const [side, lambda] of lambdas) {
        sandbox.resetStats();
        const first = await lambda.invoke(eventsFor(sandbox, side, 1)[0]);
        const { idleResets, handshakes, resumedHandshakes, httpRequests } = sandbox.primary.stats;
        const error = first.ok ? undefined : first.error.message;
        seen[side].push({ warmMs: warmMs[side], firstMs: first.ms, error, deadWrites: idleResets, handshakes, resumed: resumedHandshakes, answered: httpRequests });
      }
    }
    const settings = { samples, roundTripMs: ROUND_TRIP_MS, serverIdleMs: SERVER_IDLE_MS, gapMs: GAP_MS, retirementMs: SOCKET_RETIREMENT_MS };
    return { ...settings, function: summarizeIdle(seen.function), peer: summarizeIdle(seen.peer) };
  } finally {
    await Promise.allSettled(lambdas.map(([, lambda]) => lambda.stop()));
    await proxy.close();
    await sandbox.close();
  }
};

export { runIdle };
export type { IdleResult, IdleSide };
