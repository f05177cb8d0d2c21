// A warm "container" for the benchmark: one child process per side (the handler or the limit),
// so neither pays for the bench process's own load. The parent sends `init`, then `run`s; each
// run reports per-call latencies, CPU time, GC pauses and memory over IPC.
import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { PerformanceObserver } from 'node:perf_hooks';
import { createHandlerCaller } from './handler-caller.mjs';
import { createLimitCaller } from './limit-client.mjs';

let caller;
let gcMs = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) gcMs += entry.duration;
}).observe({ entryTypes: ['gc'] });

const describe = (error) => `${error?.name ?? 'Error'}: ${error?.message ?? String(error)}`;

/**
 * Runs every payload through the caller with `concurrency` calls in flight, then reads memory:
 * RSS and heap as they are, and with `collect` (and --expose-gc) the heap after a full GC too.
 */
const run = async (payloads, concurrency, collect = false) => {
  const latencies = new Float64Array(payloads.length);
  let next = 0;
  let failures = 0;
  let firstFailure;
  const gcBefore = gcMs;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const lane = async () => {
    while (next < payloads.length) {
      const index = next++;
      const callStarted = performance.now();
      try {
        await caller.call(payloads[index]);
      } catch (error) {
        failures += 1;
        firstFailure ??= describe(error);
      }
      latencies[index] = performance.now() - callStarted;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, payloads.length) }, lane));
  const wallMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  const count = payloads.length;
  // The payloads came over IPC and are the run's own: drop them before memory is read.
  payloads.length = 0;
  const memory = process.memoryUsage();
  if (collect) globalThis.gc?.();
  return {
    latencies: Array.from(latencies),
    wallMs,
    cpuUserUs: cpu.user,
    cpuSystemUs: cpu.system,
    gcMs: gcMs - gcBefore,
    calls: count,
    rss: memory.rss,
    heapUsed: memory.heapUsed,
    heapTotal: memory.heapTotal,
    heapAfterGc: collect && globalThis.gc !== undefined ? process.memoryUsage().heapUsed : undefined,
    failures,
    firstFailure,
  };
};

/** Like `run`, with the V8 sampling profiler on; the profile goes to `file`. */
const profile = async (payloads, concurrency, file) => {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 50 });
  await session.post('Profiler.start');
  const report = await run(payloads, concurrency);
  const { profile: cpuProfile } = await session.post('Profiler.stop');
  session.disconnect();
  await writeFile(file, JSON.stringify(cpuProfile));
  return report;
};

const handle = async (message) => {
  switch (message.type) {
    case 'init':
      caller = message.mode === 'handler' ? await createHandlerCaller(message.options) : createLimitCaller(message.options);
      return {};
    case 'run':
      return run(message.payloads, message.concurrency, message.collect === true);
    case 'profile':
      return profile(message.payloads, message.concurrency, message.file);
    default:
      throw new Error(`unknown message ${message.type}`);
  }
};

process.on('message', (message) => {
  handle(message).then(
    (result) => process.send({ id: message.id, ok: true, result }),
    (error) => process.send({ id: message.id, ok: false, error: describe(error) }),
  );
});
process.send({ id: 0, ok: true, result: { ready: true } });
