/**
 * The cold-start parts of scripts/bench/profile.ts: import time per bundle, the first
 * invocation's network timeline next to the limit's, and CPU profiles of first invocations.
 */
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Sandbox } from '../../test/sandbox/index.js';
import { COLD_LIMIT, COLD_START, spawnTimed } from './cold.js';
import { summarizeProfile } from './profile-summary.js';
import type { Entry, ProfileSummary } from './profile-summary.js';
import { BENCH_REASON, seedOrders } from './requests.js';
import type { SignedRequest } from './requests.js';
import { median } from './stats.js';

type ColdContext = {
  sandbox: Sandbox;
  samples: number;
  nextOrders: (count: number) => string[];
  sign: (outOrderNo: string) => Promise<SignedRequest>;
};

/**
 * Median import time of each bundle in fresh processes, interleaved: in-process (from the
 * script's first line to the end of the import) and wall (spawn to exit).
 * @throws {Error} when a process fails.
 */
const measureImports = async (context: ColdContext, bundles: Record<string, string>): Promise<Record<string, { importMs: number; wallMs: number }>> => {
  const times = new Map<string, { inProcess: number[]; wall: number[] }>(Object.keys(bundles).map((name) => [name, { inProcess: [], wall: [] }]));
  for (let index = 0; index < context.samples; index += 1) {
    for (const [name, path] of Object.entries(bundles)) {
      const sample = await spawnTimed([COLD_START, 'import', path], context.sandbox.env());
      times.get(name)?.inProcess.push((sample.marks?.imported ?? 0) - (sample.marks?.entered ?? 0));
      times.get(name)?.wall.push(sample.wallMs);
    }
  }
  return Object.fromEntries([...times].map(([name, { inProcess, wall }]) => [name, { importMs: median(inProcess), wallMs: median(wall) }]));
};

/**
 * The first invocation of `bundle` as events (ms since process start, median), next to the
 * limit's: import, secret request and response, TLS handshake, cancel request and response.
 * @throws {Error} when a process fails.
 */
const coldTimeline = async (context: ColdContext, bundle: string): Promise<[string, number][]> => {
  const { sandbox } = context;
  const timeline = new Map<string, number[]>();
  const note = (name: string, at: number | undefined): void => {
    if (at !== undefined) timeline.set(name, [...(timeline.get(name) ?? []), at]);
  };
  for (let index = 0; index < context.samples; index += 1) {
    const [order = '', limitOrder = ''] = seedOrders(sandbox, context.nextOrders(2));
    const handler = await spawnTimed([COLD_START, 'timeline', bundle, order, BENCH_REASON], sandbox.env());
    note('handler: script entered', handler.marks?.entered);
    note('handler: bundle imported', handler.marks?.imported);
    for (const [name, at] of handler.marks?.events ?? []) note(`handler: ${name}`, at);
    note('handler: result', handler.marks?.result);
    const { body, headers } = await context.sign(limitOrder);
    const cancelUrl = `${sandbox.primary.url}/wxv/cancelbill`;
    const limit = await spawnTimed([COLD_LIMIT, sandbox.secrets.url, sandbox.secretId, cancelUrl, body, JSON.stringify(headers), 'timeline'], sandbox.env());
    note('limit: script entered', limit.marks?.entered);
    for (const [name, at] of limit.marks?.events ?? []) note(`limit: ${name}`, at);
    note('limit: result', limit.marks?.result);
  }
  const sideOf = (name: string): string => name.slice(0, name.indexOf(':'));
  return [...timeline]
    .map(([name, times]): [string, number] => [name, median(times)])
    .sort((a, b) => sideOf(a[0]).localeCompare(sideOf(b[0])) || a[1] - b[1]);
};

/**
 * Runs first invocations of `bundle` under --cpu-prof and averages their summaries.
 * @throws {Error} when a process fails.
 */
const profileColdStarts = async (context: ColdContext, bundle: string, dir: string): Promise<ProfileSummary> => {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  for (let index = 0; index < context.samples; index += 1) {
    const [order = ''] = seedOrders(context.sandbox, context.nextOrders(1));
    await spawnTimed(['--cpu-prof', `--cpu-prof-dir=${dir}`, '--cpu-prof-interval=100', COLD_START, 'result', bundle, order, BENCH_REASON], context.sandbox.env());
  }
  const files = (await readdir(dir)).filter((file) => file.endsWith('.cpuprofile'));
  const summaries = files.map((file) => summarizeProfile(join(dir, file), { bundle, top: 40 }));
  const averaged = (pick: (summary: ProfileSummary) => Entry[]): Entry[] => {
    const totals = new Map<string, number>();
    for (const summary of summaries) for (const entry of pick(summary)) totals.set(entry.name, (totals.get(entry.name) ?? 0) + entry.ms / summaries.length);
    return [...totals].sort((a, b) => b[1] - a[1]).slice(0, 25).map(([name, ms]) => ({ name, ms: Number(ms.toFixed(2)) }));
  };
  return {
    totalMs: median(summaries.map((summary) => summary.totalMs)),
    idleMs: median(summaries.map((summary) => summary.idleMs)),
    groups: averaged((summary) => summary.groups),
    functions: averaged((summary) => summary.functions),
    ours: averaged((summary) => summary.ours),
  };
};

export { measureImports, coldTimeline, profileColdStarts };
export type { ColdContext };
