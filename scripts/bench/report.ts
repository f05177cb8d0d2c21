/** The bench's verdicts against issue 5's targets and its compact text table. */
import type { ColdKind, ColdResult } from './cold.js';
import type { MemoryResult } from './memory.js';
import type { ModeResult, SideResult } from './warm.js';

type Size = { rawBytes: number; gzipBytes: number; sha256: string };

type BenchResults = {
  machine: { node: string; os: string; cpu: string; cores: number; memoryGb: number };
  mode: 'quick' | 'full';
  date: string;
  warm: { sequential: ModeResult; concurrent: ModeResult };
  cold: Record<ColdKind, ColdResult>;
  size: Size;
  memory: { handler: MemoryResult; limit: MemoryResult };
};

type Check = { name: string; value: number; limit: number; pass: boolean };

/** Issue 5, item 2. The bundle limit is decimal (400,000 bytes), the stricter reading. */
const TARGETS = { warmRatio: 1.1, coldAboveLimitMs: 75, bundleBytes: 400_000, rssGrowthMb: 5, secretFetches: 1, handshakes: 1 } as const;

/** Each target with its measured value. */
const checkTargets = (results: BenchResults): Check[] => {
  const check = (name: string, value: number, limit: number): Check => ({ name, value, limit, pass: value <= limit });
  const { warm, cold, size, memory } = results;
  return [
    check('warm sequential mean, handler/limit', warm.sequential.ratio.mean, TARGETS.warmRatio),
    check(`warm concurrency ${warm.concurrent.concurrency} mean, handler/limit`, warm.concurrent.ratio.mean, TARGETS.warmRatio),
    check('cold first result above the limit\'s (ms)', Number((cold.result.wallMs - cold.limit.wallMs).toFixed(1)), TARGETS.coldAboveLimitMs),
    check('bundle bytes (minified, SDK bundled)', size.rawBytes, TARGETS.bundleBytes),
    check(`RSS growth ${memory.handler.checkpoints[0]?.calls} -> ${memory.handler.checkpoints.at(-1)?.calls} calls (MB)`, memory.handler.rssGrowthMb, TARGETS.rssGrowthMb),
    check('secret fetches per warm sequential container', memory.handler.secretFetches, TARGETS.secretFetches),
    check('TLS handshakes per warm sequential container', memory.handler.handshakes, TARGETS.handshakes),
  ];
};

const pad = (value: unknown, width: number): string => String(value).padStart(width);
const fixed = (value: number | undefined, digits = 3): string => (value === undefined ? '-' : value.toFixed(digits));
const signed = (value: number | undefined): string => (value === undefined ? '-' : `${value >= 0 ? '+' : ''}${value.toFixed(1)}`);

const sideRow = (label: string, side: SideResult, concurrency: number): string =>
  `  ${label.padEnd(15)}${pad(side.count, 6)}${pad(concurrency, 5)}${pad(fixed(side.mean), 8)}${pad(fixed(side.p50), 8)}${pad(fixed(side.p99), 8)}` +
  `${pad(side.throughput, 8)}${pad(fixed(side.cpuUsPerCall, 0), 8)}${pad(fixed(side.handshakesPer1000, 2), 8)}${pad(fixed(side.secretFetchesPer1000, 2), 8)}`;

const modeRows = (name: string, mode: ModeResult): string[] => [
  sideRow(`handler ${name}`, mode.handler, mode.concurrency),
  sideRow(`limit ${name}`, mode.limit, mode.concurrency),
  `  ${'ratio'.padEnd(26)}${pad(fixed(mode.ratio.mean), 8)}${pad(fixed(mode.ratio.p50), 8)}${pad(fixed(mode.ratio.p99), 8)}${pad('', 8)}${pad(fixed(mode.ratio.cpu, 2), 8)}`,
];

const coldRow = (label: string, kind: ColdResult, bare: ColdResult): string =>
  `  ${label.padEnd(26)}${pad(fixed(kind.wallMs, 1), 8)}${pad(kind === bare ? '' : signed(kind.wallMs - bare.wallMs), 9)}` +
  `${pad(fixed(kind.importedMs, 1), 9)}${pad(fixed(kind.resultMs, 1), 9)}${pad(fixed(kind.cpuMs, 0), 7)}`;

/** The compact table printed at the end of a run. */
const formatTable = (results: BenchResults, checks: Check[]): string => {
  const { machine, warm, cold, size, memory } = results;
  const memoryRow = (label: string, m: MemoryResult): string =>
    `  ${label.padEnd(9)}${m.checkpoints.map((c) => `${c.calls}: ${fixed(c.rssMb, 1)}/${fixed(c.heapAfterGcMb, 1)}`).join('  ')}` +
    `  RSS ${signed(m.rssGrowthMb)} (${signed(m.rssSteadyGrowthMb)} after ${m.checkpoints[1]?.calls}), V8 heap reserved ${signed(m.heapTotalGrowthMb)}, live heap ${signed(m.heapGrowthMb)};` +
    ` ${m.handshakes} handshake(s), ${m.secretFetches} secret fetch(es); mean ${fixed(m.latency.mean)} ms`;
  return [
    `cancel-bill bench (${results.mode}), ${results.date}: node ${machine.node}, ${machine.os}, ${machine.cores} x ${machine.cpu}, ${machine.memoryGb} GB`,
    `warm (ms)            calls conc    mean     p50     p99  call/s  cpu us  hs/1k  sec/1k`,
    ...modeRows('seq', warm.sequential),
    ...modeRows(`c${warm.concurrent.concurrency}`, warm.concurrent),
    `cold (median of ${cold.bare.samples}, ms)       wall  vs bare  imported   result  cpu ms`,
    coldRow('bare node -e 0', cold.bare, cold.bare),
    coldRow('import bundle', cold.import, cold.bare),
    coldRow('first result (handler)', cold.result, cold.bare),
    coldRow('first result (limit)', cold.limit, cold.bare),
    `size      index.mjs ${size.rawBytes} B raw, ${size.gzipBytes} B gzip -9 (sha256 ${size.sha256.slice(0, 12)})`,
    `memory (one sequential container, node ${memory.handler.nodeFlags.join(' ')}; calls: RSS / live heap after a full GC, MB)`,
    memoryRow('handler', memory.handler),
    memoryRow('limit', memory.limit),
    'targets (issue 5)',
    ...checks.map((c) => `  ${c.pass ? 'PASS' : 'FAIL'}  ${c.name}: ${c.value} (<= ${c.limit})`),
  ].join('\n');
};

export { checkTargets, formatTable, TARGETS };
export type { BenchResults, Check, Size };
