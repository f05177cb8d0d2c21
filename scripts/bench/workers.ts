/**
 * The parent's side of scripts/bench/warm-worker.mjs: forks one plain `node` child per side (no
 * tsx loader, no inherited flags) and calls it over IPC.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const WORKER = fileURLToPath(new URL('./warm-worker.mjs', import.meta.url));

/** Which side a worker measures. */
type Side = 'handler' | 'limit';

/** What one `run` of a worker reports. */
type RunReport = {
  latencies: number[];
  wallMs: number;
  cpuUserUs: number;
  cpuSystemUs: number;
  gcMs: number;
  calls: number;
  rss: number;
  heapUsed: number;
  /** Heap V8 has reserved (all spaces, including the young generation's semi-spaces). */
  heapTotal: number;
  /** Heap in use after a full GC: only when the run asked for `collect` and the child has --expose-gc. */
  heapAfterGc: number | undefined;
  failures: number;
  firstFailure: string | undefined;
};

type HandlerOptions = { bundle: string; reason: string };
type LimitOptions = { url: string; cert: string; key: string; headers: Readonly<Record<string, string>> };

interface Worker {
  /**
   * Sends every payload (an out_order_no for the handler, a signed body for the limit) with
   * `concurrency` in flight; `collect` runs a full GC (needs --expose-gc) before memory is read.
   * Rejects when any call failed: a benchmark of failures measures nothing.
   */
  run(payloads: readonly string[], concurrency: number, options?: { collect?: boolean }): Promise<RunReport>;
  /** `run` under the V8 sampling profiler; writes a .cpuprofile to `file`. Rejects like `run`. */
  profile(payloads: readonly string[], concurrency: number, file: string): Promise<RunReport>;
  stop(): Promise<void>;
}

type Reply = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string };

/**
 * Forks a worker with exactly `env` (plus PATH) and initializes it as `side`.
 * @throws {Error} when the child exits early or its initialization fails (with its stderr).
 */
const startWorker = async (
  side: Side,
  options: HandlerOptions | LimitOptions,
  env: Record<string, string>,
  execArgv: string[] = [],
): Promise<Worker> => {
  const child = fork(WORKER, [], {
    env: { PATH: process.env.PATH ?? '', ...env },
    execArgv,
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  let nextId = 1;
  const ready = new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.on('exit', (code) => {
      const error = new Error(`${side} worker exited with ${code}: ${stderr}`);
      reject(error);
      for (const waiter of pending.values()) waiter.reject(error);
      pending.clear();
    });
    child.on('message', (reply: Reply) => {
      if (reply.id === 0) {
        resolve();
        return;
      }
      const waiter = pending.get(reply.id);
      pending.delete(reply.id);
      if (reply.ok) waiter?.resolve(reply.result);
      else waiter?.reject(new Error(`${side} worker: ${reply.error} ${stderr}`));
    });
  });
  const call = <T>(message: Record<string, unknown>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      child.send({ ...message, id });
    });
  const succeeded = (report: RunReport): RunReport => {
    if (report.failures > 0) throw new Error(`${side} worker: ${report.failures} failed calls, first: ${report.firstFailure}`);
    return report;
  };
  await ready;
  await call({ type: 'init', mode: side, options });
  return {
    run: async (payloads, concurrency, runOptions) =>
      succeeded(await call<RunReport>({ type: 'run', payloads, concurrency, collect: runOptions?.collect === true })),
    profile: async (payloads, concurrency, file) => succeeded(await call<RunReport>({ type: 'profile', payloads, concurrency, file })),
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.removeAllListeners('exit');
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
};

export { startWorker };
export type { Side, RunReport, Worker, HandlerOptions, LimitOptions };
