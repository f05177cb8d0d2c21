/**
 * `npm run bench`: the built function against the physical limit, side by side on the local
 * sandbox (issue 5). Prints a compact table; `--out FILE` also writes the results as JSON;
 * `--quick` is CI's short mode (under a minute). Needs `npm run build` first (the npm script does it).
 */
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { arch, cpus, platform, release, totalmem } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { startSandbox } from '../test/sandbox/index.js';
import type { Sandbox } from '../test/sandbox/index.js';
import { runCold } from './bench/cold.js';
import { runMemory } from './bench/memory.js';
import type { MemoryPlan } from './bench/memory.js';
import { checkTargets, formatTable } from './bench/report.js';
import type { BenchResults } from './bench/report.js';
import { BENCH_REASON, createOrderNumbers, createRequestSigner } from './bench/requests.js';
import { createPayloads, runWarm } from './bench/warm.js';
import type { WarmPlan } from './bench/warm.js';
import { startWorker } from './bench/workers.js';
import type { Side } from './bench/workers.js';

const DEFAULT_BUNDLE = fileURLToPath(new URL('../dist/cancel-bill/index.mjs', import.meta.url));

type Plan = { warm: WarmPlan; memory: MemoryPlan; coldSamples: number };

const PLANS: Record<'quick' | 'full', Plan> = {
  quick: {
    warm: { rounds: 2, sequentialCalls: 200, concurrentCalls: 400, concurrency: 16, warmupCalls: 100 },
    memory: { checkpoints: [100, 300, 1000], chunk: 450 },
    coldSamples: 3,
  },
  full: {
    warm: { rounds: 8, sequentialCalls: 2000, concurrentCalls: 4000, concurrency: 16, warmupCalls: 500 },
    memory: { checkpoints: [100, 1000, 20_000], chunk: 1000 },
    coldSamples: 10,
  },
};

const machine = (): BenchResults['machine'] => ({
  node: process.version,
  os: `${platform()} ${release()} ${arch()}`,
  cpu: cpus()[0]?.model.trim() ?? 'unknown',
  cores: cpus().length,
  memoryGb: Math.round(totalmem() / 1024 ** 3),
});

/** What to run: the plan's size, which bundle, and V8 flags for the memory containers. */
type BenchOptions = { mode: 'quick' | 'full'; bundle: string; memoryFlags: string[] };

const startSide = (sandbox: Sandbox, options: BenchOptions, side: Side, headers: Readonly<Record<string, string>>, execArgv: string[] = []) => {
  const identity = sandbox.certs.clients.merchant;
  const init =
    side === 'handler'
      ? { bundle: options.bundle, reason: BENCH_REASON }
      : { url: `${sandbox.primary.url}/wxv/cancelbill`, cert: identity.certPem, key: identity.keyPem, headers };
  return startWorker(side, init, sandbox.env(), execArgv);
};

/**
 * Runs every phase against a fresh sandbox: warm rounds, memory containers, cold starts, size.
 * @throws {Error} when the bundle is missing or any measured call fails.
 */
const run = async (options: BenchOptions): Promise<BenchResults> => {
  const plan = PLANS[options.mode];
  const bundle = await readFile(options.bundle);
  const sandbox = await startSandbox();
  const stops: (() => Promise<void>)[] = [];
  try {
    const sign = createRequestSigner(sandbox);
    const { headers } = await sign('BENCH00000000');
    const payloads = createPayloads(sandbox, sign);
    const start = (side: Side) => (execArgv: string[] = []) => startSide(sandbox, options, side, headers, execArgv);
    const log = (step: string): void => console.error(`bench: ${step}`);

    log('warm rounds');
    const handler = await start('handler')();
    stops.push(() => handler.stop());
    const limit = await start('limit')();
    stops.push(() => limit.stop());
    const warm = await runWarm(sandbox, { handler, limit }, payloads, plan.warm);
    await Promise.all([handler.stop(), limit.stop()]);

    log('memory');
    const memoryPlan = { ...plan.memory, nodeFlags: options.memoryFlags };
    const handlerMemory = await runMemory(sandbox, 'handler', start('handler'), payloads, memoryPlan);
    const limitMemory = await runMemory(sandbox, 'limit', start('limit'), payloads, memoryPlan);

    log('cold starts');
    const coldNumbers = createOrderNumbers();
    const cold = await runCold(sandbox, { bundle: options.bundle, samples: plan.coldSamples, nextOrder: () => coldNumbers('CO', 1)[0] ?? '', sign });

    return {
      machine: machine(),
      mode: options.mode,
      date: new Date().toISOString(),
      warm,
      cold,
      size: { rawBytes: bundle.length, gzipBytes: gzipSync(bundle, { level: 9 }).length, sha256: createHash('sha256').update(bundle).digest('hex') },
      memory: { handler: handlerMemory, limit: limitMemory },
    };
  } finally {
    await Promise.allSettled(stops.map((stop) => stop()));
    await sandbox.close();
  }
};

// --bundle compares another build; --memory-flags='--max-semi-space-size=4' sets V8 flags for the memory containers.
const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    out: { type: 'string' },
    bundle: { type: 'string', default: DEFAULT_BUNDLE },
    'memory-flags': { type: 'string', default: '' },
  },
});
const results = await run({
  mode: values.quick ? 'quick' : 'full',
  bundle: resolve(values.bundle),
  memoryFlags: values['memory-flags'].split(' ').filter((flag) => flag !== ''),
});
const checks = checkTargets(results);
console.log(formatTable(results, checks));
if (values.out !== undefined) await writeFile(values.out, `${JSON.stringify({ ...results, checks }, null, 2)}\n`);
