/**
 * `npx tsx scripts/bench/profile.ts [--calls N] [--samples N] [--dir DIR] [--bundle FILE]`: where
 * the handler's time goes. The warm cost of parts by difference (the function against builds of it
 * without its log line, or with a plain one; sequential and at concurrency 16, interleaved with
 * the limit); import time of bundles holding single dependencies; the cold first
 * invocation as a network timeline next to the limit's; CPU profiles of a warm sequential loop
 * (handler and limit: self time per function and package through the source map of an unminified
 * build, inclusive time of our functions) and of cold first invocations. Needs no prior build;
 * `--bundle` profiles another build (an unminified one with a .map next to it reads best).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startSandbox } from '../../test/sandbox/index.js';
import { formatParts, runParts } from './parts.js';
import { coldTimeline, measureImports, profileColdStarts } from './profile-cold.js';
import { summarizeProfile } from './profile-summary.js';
import type { Entry, ProfileSummary } from './profile-summary.js';
import { BENCH_REASON, createOrderNumbers, createRequestSigner, seedOrders } from './requests.js';
import { buildVariant } from './variants.js';
import type { Variant } from './variants.js';
import { startWorker } from './workers.js';
import type { Side } from './workers.js';

const { values } = parseArgs({
  options: {
    calls: { type: 'string', default: '3000' },
    samples: { type: 'string', default: '10' },
    dir: { type: 'string', default: '.tmp/bench-profile' },
    bundle: { type: 'string' },
  },
});
const calls = Number(values.calls);
const samples = Number(values.samples);
const dir = resolve(values.dir);
await mkdir(dir, { recursive: true });

const print = (title: string, entries: Entry[]): void => {
  console.log(title);
  for (const entry of entries) {
    const perCall = entry.perCallUs === undefined ? '' : `${entry.perCallUs.toFixed(1).padStart(8)} us/call`;
    console.log(`  ${entry.ms.toFixed(1).padStart(9)} ms${perCall}  ${entry.name}`);
  }
};

const variants: Variant[] = ['full', 'unminified', 'no-sdk', 'sdk-only', 'powertools-only', 'xml-only', 'without-log-line', 'plain-log-line'];
/** Builds of the whole function, compared warm; the others are compared at import. */
const functionVariants: Variant[] = ['full', 'without-log-line', 'plain-log-line'];
const built = Object.fromEntries(await Promise.all(variants.map(async (variant) => [variant, await buildVariant(variant, dir)] as const)));
const profiled = values.bundle === undefined ? (built.unminified?.path ?? '') : resolve(values.bundle);

const sandbox = await startSandbox();
try {
  const numbers = createOrderNumbers();
  const sign = createRequestSigner(sandbox);
  const context = { sandbox, samples, nextOrders: (count: number) => numbers('CP', count), sign };

  const parts = Object.fromEntries(functionVariants.map((variant) => [variant === 'full' ? 'function' : `function, ${variant}`, built[variant]?.path ?? '']));
  for (const concurrency of [1, 16]) {
    const results = await runParts(sandbox, sign, parts, { rounds: 8, calls: calls * 2, concurrency, warmupCalls: 500 });
    console.log(formatParts(results, concurrency).join('\n'));
  }
  console.log('');

  const importable = variants.filter((variant) => variant !== 'unminified' && !functionVariants.slice(1).includes(variant));
  const imports = await measureImports(context, Object.fromEntries(importable.map((variant) => [variant, built[variant]?.path ?? ''])));
  console.log(`import (median of ${samples})       bytes  import ms  wall ms`);
  for (const [name, times] of Object.entries(imports)) {
    console.log(`  ${name.padEnd(18)}${String(built[name]?.bytes ?? '').padStart(9)}${times.importMs.toFixed(1).padStart(11)}${times.wallMs.toFixed(1).padStart(9)}`);
  }

  const timeline = await coldTimeline(context, built.full?.path ?? '');
  console.log(`\ncold timeline (median of ${samples}, ms since process start)`);
  for (const [name, at] of timeline) console.log(`  ${at.toFixed(1).padStart(8)}  ${name}`);

  const summaries: Record<string, ProfileSummary> = {};
  const identity = sandbox.certs.clients.merchant;
  const { headers } = await sign('BENCH00000000');
  for (const side of ['handler', 'limit'] as Side[]) {
    const init =
      side === 'handler'
        ? { bundle: profiled, reason: BENCH_REASON }
        : { url: `${sandbox.primary.url}/wxv/cancelbill`, cert: identity.certPem, key: identity.keyPem, headers };
    const worker = await startWorker(side, init, sandbox.env());
    try {
      const payloads = async (count: number): Promise<string[]> => {
        const orders = seedOrders(sandbox, numbers(side === 'handler' ? 'HP' : 'LP', count));
        return side === 'handler' ? orders : Promise.all(orders.map(async (order) => (await sign(order)).body));
      };
      await worker.run(await payloads(500), 1);
      const file = join(dir, `warm-${side}.cpuprofile`);
      const report = await worker.profile(await payloads(calls), 1, file);
      const summary = summarizeProfile(file, { bundle: side === 'handler' ? profiled : undefined, calls });
      summaries[`warm-${side}`] = summary;
      const busyUs = ((summary.totalMs - summary.idleMs) * 1000) / calls;
      console.log(`\nwarm ${side}: ${calls} calls, ${(report.wallMs / calls).toFixed(3)} ms/call, busy ${busyUs.toFixed(0)} us/call (profiled)`);
      print('  self time by group', summary.groups.slice(0, 15));
      print('  self time by function', summary.functions);
      if (side === 'handler') print('  inclusive time of our functions', summary.ours);
    } finally {
      await worker.stop();
    }
  }

  const cold = await profileColdStarts(context, profiled, join(dir, 'cold'));
  summaries.cold = cold;
  console.log(`\ncold first invocation (${samples} profiles, mean; total ${cold.totalMs} ms, idle ${cold.idleMs} ms)`);
  print('  self time by group', cold.groups);
  print('  self time by function', cold.functions);
  print('  inclusive time of our functions', cold.ours);
  await writeFile(join(dir, 'profile.json'), `${JSON.stringify({ bundles: built, imports, timeline, summaries }, null, 2)}\n`);
} finally {
  await sandbox.close();
}
