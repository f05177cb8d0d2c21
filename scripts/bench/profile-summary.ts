/**
 * Reads a V8 .cpuprofile: self time per function and per group (our files, each npm package, Node
 * internals, GC), mapped through the bundle's source map to the original files.
 */
import { existsSync, readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import type { SourceMapPayload } from 'node:module';

const LINE_END = 100_000;

type CallFrame = { functionName: string; url: string; lineNumber: number; columnNumber: number };
type ProfileNode = { id: number; callFrame: CallFrame; children?: number[]; positionTicks?: { line: number; ticks: number }[] };
type CpuProfile = { nodes: ProfileNode[]; startTime: number; endTime: number; samples: number[]; timeDeltas: number[] };

/** Self time in ms; `perCallUs` when the profile covered a known number of calls. */
type Entry = { name: string; ms: number; perCallUs?: number };

/** Self time by group and by function; `ours`: inclusive time of our own functions (lib/, functions/). */
type ProfileSummary = { totalMs: number; idleMs: number; groups: Entry[]; functions: Entry[]; ours: Entry[] };

/** The group of an original source path or a Node-internal URL. */
const groupOf = (source: string, frame: CallFrame): string => {
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(source)?.[1];
  if (pkg !== undefined) return pkg;
  const ours = /(?:^|\/)((?:lib|functions|scripts)\/.+)$/.exec(source)?.[1];
  if (ours !== undefined) return ours;
  if (source.startsWith('node:')) return source.replace(/^node:(internal\/)?/, 'node:').split('/').slice(0, 2).join('/');
  if (frame.url === '') return frame.functionName.startsWith('(') ? frame.functionName : `(native) ${frame.functionName}`;
  return source;
};

/** Resolves a generated position of `bundle` to its original source, or the URL itself. */
const createResolver = (bundle: string | undefined) => {
  const map = bundle === undefined || !existsSync(`${bundle}.map`) ? undefined : new SourceMap(JSON.parse(readFileSync(`${bundle}.map`, 'utf8')) as SourceMapPayload);
  return (frame: CallFrame, line: number, column: number): string => {
    if (map === undefined || !frame.url.endsWith('.mjs') || !frame.url.includes(bundle ?? '\0')) return frame.url;
    const entry = map.findEntry(line, column) as { originalSource?: string };
    return entry.originalSource ?? frame.url;
  };
};

const sortEntries = (totals: Map<string, number>, calls: number | undefined, limit: number): Entry[] =>
  [...totals]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([name, ms]) => ({ name, ms: Number(ms.toFixed(2)), ...(calls === undefined ? {} : { perCallUs: Number(((ms * 1000) / calls).toFixed(1)) }) }));

/**
 * Summarizes the profile in `file`. Lines with ticks are attributed one by one, so the top-level
 * code of a bundle splits into the packages it came from.
 * @throws {Error} when the file or the bundle's source map cannot be read.
 */
const summarizeProfile = (file: string, options: { bundle?: string; calls?: number; top?: number } = {}): ProfileSummary => {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const totalMs = (profile.endTime - profile.startTime) / 1000;
  const hits = profile.samples.length;
  const msPerHit = hits === 0 ? 0 : totalMs / hits;
  const resolve = createResolver(options.bundle);
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  const isNative = (frame: CallFrame): boolean => frame.url === '' && !frame.functionName.startsWith('(');
  // A native function (writev, randomFillSync, HMAC init...) counts for the JS code that called it.
  const groupCache = new Map<number, string>();
  const nodeGroup = (id: number): string => {
    const cached = groupCache.get(id);
    if (cached !== undefined) return cached;
    const node = byId.get(id);
    const parent = parentOf.get(id);
    const frame = node?.callFrame ?? { functionName: '(unknown)', url: '', lineNumber: 0, columnNumber: 0 };
    const group = isNative(frame) && parent !== undefined ? nodeGroup(parent) : groupOf(resolve(frame, frame.lineNumber, frame.columnNumber), frame);
    groupCache.set(id, group);
    return group;
  };
  const nodeKey = (id: number): string => {
    const frame = byId.get(id)?.callFrame;
    const name = frame?.functionName ?? '';
    return `${name === '' ? '(anonymous)' : name} [${isNative(frame ?? { functionName: '(', url: '', lineNumber: 0, columnNumber: 0 }) ? '(native)' : nodeGroup(id)}]`;
  };
  const groups = new Map<string, number>();
  const functions = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const add = (totals: Map<string, number>, key: string, ms: number): void => {
    totals.set(key, (totals.get(key) ?? 0) + ms);
  };
  let idleMs = 0;
  const counts = new Map<number, number>();
  for (const id of profile.samples) counts.set(id, (counts.get(id) ?? 0) + 1);
  for (const node of profile.nodes) {
    const ticks = counts.get(node.id) ?? 0;
    if (ticks === 0) continue;
    const frame = node.callFrame;
    if (frame.functionName === '(idle)') {
      idleMs += ticks * msPerHit;
      continue;
    }
    const lines = !isNative(frame) && node.positionTicks !== undefined && node.positionTicks.length > 0 ? node.positionTicks : undefined;
    if (lines === undefined) add(groups, nodeGroup(node.id), ticks * msPerHit);
    // The last mapping on a line: a line holds code of one source file (splits a bundle's top level).
    else for (const { line, ticks: lineTicks } of lines) add(groups, groupOf(resolve(frame, line - 1, LINE_END), frame), lineTicks * msPerHit);
    add(functions, nodeKey(node.id), ticks * msPerHit);
    // Inclusive time of our own functions: each once per sample, however deep the recursion.
    const seen = new Set<string>();
    for (let id: number | undefined = node.id; id !== undefined; id = parentOf.get(id)) {
      if (/^(lib|functions)\//.test(nodeGroup(id)) && !isNative(byId.get(id)?.callFrame ?? frame)) seen.add(nodeKey(id));
    }
    for (const key of seen) add(inclusive, key, ticks * msPerHit);
  }
  const top = options.top ?? 25;
  return {
    totalMs: Number(totalMs.toFixed(1)),
    idleMs: Number(idleMs.toFixed(1)),
    groups: sortEntries(groups, options.calls, top),
    functions: sortEntries(functions, options.calls, top),
    ours: sortEntries(inclusive, options.calls, top),
  };
};

export { summarizeProfile };
export type { ProfileSummary, Entry };
