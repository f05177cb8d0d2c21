/**
 * `npm run bench`: the built function against the peer (the Lambda a user would write with
 * wechatpay-axios-plugin) and the limit (bare node:https), side by side on the local sandbox, with
 * interleaved rounds; cold starts; the first call after an idle spell; memory. Prints one table
 * with the targets of docs/performance.md. `--quick` is CI's short mode; `--out FILE` also writes
 * the results as JSON. The npm script builds first. Exits non-zero only when a call fails.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import type { LambdaProcess } from '../test/helpers/lambda-process.js';
import { startSandbox } from '../test/sandbox/index.js';
import { runIdle } from './bench/idle.js';
import { runCold, runMemory, runWarm } from './bench/phases.js';
import type { MemoryPlan, WarmPlan } from './bench/phases.js';
import { checkTargets, formatTable } from './bench/report.js';
import type { BenchResults } from './bench/report.js';
import { SIDES, startSide } from './bench/sides.js';
import type { Side } from './bench/sides.js';

type Plan = { warm: WarmPlan; memory: MemoryPlan; coldSamples: number; idleSamples: number };

const PLANS: Record<BenchResults['mode'], Plan> = {
  quick: {
    warm: { rounds: 2, sequentialCalls: 200, concurrentCalls: 400, concurrency: 16, warmupCalls: 100 },
    memory: { checkpoints: [100, 300, 1000], chunk: 500 },
    coldSamples: 3,
    idleSamples: 1,
  },
  full: {
    warm: { rounds: 6, sequentialCalls: 2400, concurrentCalls: 4800, concurrency: 16, warmupCalls: 500 },
    memory: { checkpoints: [100, 1000, 20_000], chunk: 1000 },
    coldSamples: 10,
    idleSamples: 3,
  },
};

const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false }, out: { type: 'string' } } });
const mode = values.quick ? 'quick' : 'full';
const plan = PLANS[mode];
const log = (step: string): void => console.error(`bench: ${step}`);

const sandbox = await startSandbox();
const started: LambdaProcess[] = [];
let results: BenchResults;
try {
  log('warm rounds');
  const lambdas = {} as Record<Side, LambdaProcess>;
  for (const side of SIDES) started.push((lambdas[side] = await startSide(sandbox, side)));
  const warm = await runWarm(sandbox, lambdas, plan.warm);
  await Promise.all(started.map((lambda) => lambda.stop()));
  log('memory');
  const memory = { function: await runMemory(sandbox, 'function', plan.memory), limit: await runMemory(sandbox, 'limit', plan.memory) };
  log('cold starts');
  const cold = await runCold(sandbox, plan.coldSamples);
  log('first call after idle');
  const idle = await runIdle(plan.idleSamples);
  const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
  const machine = `node ${process.version}, ${process.platform} ${process.arch}, ${cpus().length} x ${cpu}, ${Math.round(totalmem() / 2 ** 30)} GB`;
  results = { mode, date: new Date().toISOString(), machine, warm, cold, idle, memory };
} finally {
  await Promise.allSettled(started.map((lambda) => lambda.stop()));
  await sandbox.close();
}
const checks = checkTargets(results);
console.log(formatTable(results, checks));
if (values.out !== undefined) {
  await mkdir(dirname(values.out), { recursive: true });
  await writeFile(values.out, `${JSON.stringify({ ...results, checks }, null, 2)}\n`);
}
