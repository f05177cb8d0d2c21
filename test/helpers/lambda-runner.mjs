// A stand-in Lambda container: loads the built bundle (or another handler module) once and runs
// invocations sent over IPC, one at a time or (for the bench) as a timed batch. Logs go to this
// process's stdout/stderr, which the parent captures or discards.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * Written to stdout and stderr after each invocation or batch, before its IPC reply. IPC and the
 * two pipes are separate channels, so the parent waits for both marks: then every line the
 * invocation logged has arrived too. Must match END_MARK in lambda-process.ts.
 */
const END_MARK = '#lambda-runner invocation done ';

/**
 * The module and export to run. With `_HANDLER` (`dist/cancel-bill/index.handler`) and
 * `LAMBDA_TASK_ROOT` set, as the Lambda runtime sets them, they are resolved as the Node.js runtime
 * does (`.js`, then `.mjs`, then `.cjs`); otherwise CANCEL_BILL_BUNDLE's `handler`.
 */
const resolveHandler = () => {
  const spec = process.env._HANDLER;
  const root = process.env.LAMBDA_TASK_ROOT;
  if (spec === undefined || root === undefined) return { file: process.env.CANCEL_BILL_BUNDLE, name: 'handler' };
  const dot = spec.lastIndexOf('.');
  const base = join(root, spec.slice(0, dot));
  const file = ['.js', '.mjs', '.cjs'].map((ext) => `${base}${ext}`).find((candidate) => existsSync(candidate));
  if (file === undefined) throw new Error(`Runtime.ImportModuleError: cannot find module ${spec.slice(0, dot)}`);
  return { file, name: spec.slice(dot + 1) };
};

const target = resolveHandler();
const handler = (await import(pathToFileURL(target.file).href))[target.name];
if (typeof handler !== 'function') throw new Error(`Runtime.HandlerNotFound: ${target.name} is not a function`);
/** Milliseconds since the process started, and its CPU time, once the module is loaded. */
const imported = { importedMs: performance.now(), initCpuUs: cpuTotalUs() };
let sequence = 0;

function cpuTotalUs() {
  const { user, system } = process.cpuUsage();
  return user + system;
}

/** One invocation with a fresh context, as the Lambda runtime makes it. */
const invoke = (event, timeoutMs) => {
  sequence += 1;
  const deadline = Date.now() + timeoutMs;
  const context = {
    awsRequestId: `req-${process.pid}-${sequence}`,
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME ?? 'cancel-bill-test-cancelBill',
    functionVersion: '$LATEST',
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE ?? '256',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
  return handler(event, context);
};

/**
 * The bench's batch: every event with `concurrency` invocations in flight, each timed, and the
 * whole batch's CPU time; then memory, and with `collect` (needs --expose-gc) the heap after a full GC.
 */
const runBatch = async ({ events, concurrency, collect, timeoutMs }) => {
  const latencies = new Array(events.length);
  const states = {};
  let next = 0;
  let firstFailure;
  const cpuBefore = cpuTotalUs();
  const lane = async () => {
    while (next < events.length) {
      const index = next++;
      const started = performance.now();
      try {
        const state = String((await invoke(events[index], timeoutMs))?.state);
        states[state] = (states[state] ?? 0) + 1;
      } catch (error) {
        firstFailure ??= `${error?.name}: ${error?.message}`;
      }
      latencies[index] = performance.now() - started;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, events.length) }, lane));
  const cpuUs = cpuTotalUs() - cpuBefore;
  events.length = 0;
  const { rss, heapTotal } = process.memoryUsage();
  if (collect) globalThis.gc?.();
  return { latencies, cpuUs, states, firstFailure, rss, heapTotal, heapAfterGc: collect ? process.memoryUsage().heapUsed : undefined };
};

process.on('message', async (message) => {
  const { id, event, batch, timeoutMs } = message;
  const started = performance.now();
  let reply;
  try {
    const result = batch === undefined ? await invoke(event, timeoutMs) : await runBatch({ ...batch, timeoutMs });
    reply = { id, ok: true, result, ms: performance.now() - started };
  } catch (error) {
    reply = {
      id,
      ok: false,
      error: { name: error?.name, message: error?.message, keys: Object.keys(error ?? {}) },
      ms: performance.now() - started,
    };
  }
  reply.at = performance.now();
  reply.cpuUs = cpuTotalUs();
  process.stdout.write(`${END_MARK}${id}\n`);
  process.stderr.write(`${END_MARK}${id}\n`);
  process.send(reply);
});
process.on('unhandledRejection', (reason) => {
  process.send({ id: -1, ok: false, error: { name: 'UnhandledRejection', message: String(reason) } });
});
process.send({ id: 0, ready: true, ...imported });
