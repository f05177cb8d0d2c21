/** The bench's verdicts on the performance issue's targets, and its text table. */
import type { IdleResult, IdleSide } from './idle.js';
import type { ColdSide, MemoryPoint, WarmMode, WarmSide } from './phases.js';
import { LABELS, SIDES, round } from './sides.js';
import type { Side } from './sides.js';

type BenchResults = {
  mode: 'quick' | 'full';
  date: string;
  machine: string;
  warm: WarmMode[];
  cold: Record<Side, ColdSide>;
  idle: IdleResult;
  memory: { function: MemoryPoint[]; limit: MemoryPoint[] };
};

type Check = { name: string; value: number; op: '<=' | '>='; limit: number; pass: boolean };

/** Lambda gives one vCPU at 1,769 MB and CPU in proportion to memory below it. */
const VCPU_MB = 1769;
const MEMORY_SIZES_MB = [256, 512, 1024];
const billedMs = (cpuMs: number): string => MEMORY_SIZES_MB.map((mb) => ((cpuMs * VCPU_MB) / mb).toFixed(2)).join(' / ');

/** From the first checkpoint to the last. */
const growth = (points: MemoryPoint[], pick: (point: MemoryPoint) => number): number => {
  const [first, last] = [points[0], points.at(-1)];
  return first === undefined || last === undefined ? Number.NaN : round(pick(last) - pick(first), 2);
};

/** Each target of the issue with its measured value. */
const checkTargets = (results: BenchResults): Check[] => {
  const check = (name: string, value: number, op: Check['op'], limit: number): Check => ({ name, value, op, limit, pass: op === '<=' ? value <= limit : value >= limit });
  const { warm, cold, idle, memory } = results;
  const calls = `${memory.function[0]?.calls} -> ${memory.function.at(-1)?.calls} calls`;
  return [
    ...warm.map((mode) => check(`1 peer/function mean latency, concurrency ${mode.concurrency}`, round(mode.sides.peer.mean / mode.sides.function.mean, 2), '>=', 1.2)),
    ...warm.map((mode) => check(`2 CPU per call above the limit's, concurrency ${mode.concurrency} (us)`, mode.sides.function.cpuUs - mode.sides.limit.cpuUs, '<=', mode.concurrency === 1 ? 200 : 150)),
    check('3 requests written into a dead connection after idle', idle.function.deadWrites, '<=', 0),
    check('3 full (not resumed) TLS handshakes of the first call after idle', idle.function.handshakes - idle.function.resumed, '<=', 0),
    check('4 cold first result, function/peer', round(cold.function.resultMs / cold.peer.resultMs, 2), '<=', 0.5),
    check(`5 live heap growth, ${calls} (MB)`, growth(memory.function, (p) => p.heapMb), '<=', 1),
    check(`5 RSS growth above the limit's, ${calls} (MB)`, round(growth(memory.function, (p) => p.rssMb) - growth(memory.limit, (p) => p.rssMb), 1), '<=', 5),
  ];
};

const pad = (value: unknown, width: number): string => String(value).padStart(width);
const ms = (value: number): string => value.toFixed(3);

const warmRows = (mode: WarmMode): string[] => {
  const row = (side: Side, s: WarmSide): string =>
    `  ${LABELS[side].padEnd(22)}${pad(mode.concurrency, 4)}${pad(s.calls, 7)}${pad(ms(s.mean), 8)}${pad(ms(s.p50), 8)}${pad(ms(s.p99), 8)}${pad(s.cpuUs, 8)}${pad(s.handshakesPer1k.toFixed(2), 7)}`;
  const { function: fn, peer, limit } = mode.sides;
  return [
    ...SIDES.map((side) => row(side, mode.sides[side])),
    `  ${'peer/function'.padEnd(33)}${pad((peer.mean / fn.mean).toFixed(2), 8)}${pad((peer.p50 / fn.p50).toFixed(2), 8)}${pad((peer.p99 / fn.p99).toFixed(2), 8)}${pad(`+${fn.cpuUs - limit.cpuUs}`, 8)} function - limit CPU`,
  ];
};

const idleRow = (label: string, side: IdleSide, samples: number): string => {
  const outcome = side.failures > 0 ? `${side.failures} of ${samples} failed (${side.error})` : `${side.firstMs.toFixed(1)} ms (+${(side.firstMs - side.warmMs).toFixed(1)})`;
  return `  ${label.padEnd(22)}warm ${side.warmMs.toFixed(1)} ms, first ${outcome}; dead writes ${side.deadWrites}, handshakes ${side.handshakes} (resumed ${side.resumed}), answered ${side.answered}`;
};

/** The table printed at the end of a run. */
const formatTable = (results: BenchResults, checks: Check[]): string => {
  const { warm, cold, idle, memory } = results;
  const memoryRow = (label: string, points: MemoryPoint[]): string =>
    `  ${label.padEnd(10)}${points.map((p) => `${p.calls}: ${p.rssMb.toFixed(1)}/${p.heapMb.toFixed(2)}`).join('  ')}   RSS +${growth(points, (p) => p.rssMb).toFixed(1)}` +
    ` (V8 heap reserved +${growth(points, (p) => p.reservedMb).toFixed(1)}), live heap +${growth(points, (p) => p.heapMb).toFixed(2)}`;
  const sequential = warm[0]?.sides.function;
  return [
    `cancel-bill bench (${results.mode}), ${results.date}: ${results.machine}`,
    `warm, per call             conc  calls    mean     p50     p99  cpu us  hs/1k   (ms; sandbox on loopback)`,
    ...warm.flatMap(warmRows),
    `cold (median of ${cold.function.samples}; ms since process start)   imported  first result  init cpu  cpu to result`,
    ...SIDES.map((side) => {
      const c = cold[side];
      return `  ${LABELS[side].padEnd(35)}${pad(c.importedMs.toFixed(1), 9)}${pad(c.resultMs.toFixed(1), 14)}${pad(c.initCpuMs.toFixed(1), 10)}${pad(c.resultCpuMs.toFixed(1), 15)}`;
    }),
    `first call after idle (RTT ${idle.roundTripMs} ms; server drops idle connections after ${idle.serverIdleMs} ms without a FIN; ` +
      `processes stopped ${idle.gapMs} ms; retirement age ${idle.retirementMs} ms; ${idle.samples} sample(s))`,
    idleRow('function', idle.function, idle.samples),
    idleRow(LABELS.peer, idle.peer, idle.samples),
    `memory (node --expose-gc, sequential; calls: RSS / live heap after a full GC, MB)`,
    memoryRow('function', memory.function),
    memoryRow('limit', memory.limit),
    `CPU as billed time at ${MEMORY_SIZES_MB.join(' / ')} MB (1 vCPU = ${VCPU_MB} MB), ms:`,
    `  warm call, sequential: ${billedMs((sequential?.cpuUs ?? Number.NaN) / 1000)}; cold init: ${billedMs(cold.function.initCpuMs)}; cold start to first result: ${billedMs(cold.function.resultCpuMs)}`,
    'targets',
    ...checks.map((c) => `  ${c.pass ? 'PASS' : 'FAIL'}  ${c.name}: ${c.value} (${c.op} ${c.limit})`),
  ].join('\n');
};

export { checkTargets, formatTable };
export type { BenchResults, Check };
