/**
 * Cold starts: fresh `node` processes, timed from spawn to exit by the parent and by marks inside
 * the child, interleaved sample by sample with bare node and with the bare-https limit.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Sandbox } from '../../test/sandbox/index.js';
import { BENCH_REASON } from './requests.js';
import type { SignedRequest } from './requests.js';
import { median, round } from './stats.js';

const COLD_START = fileURLToPath(new URL('./cold-start.mjs', import.meta.url));
const COLD_LIMIT = fileURLToPath(new URL('./cold-limit.mjs', import.meta.url));

/** Which cold process: bare node, bundle import only, import + first invocation, the limit's first call. */
type ColdKind = 'bare' | 'import' | 'result' | 'limit';

type Marks = { entered: number; imported: number; fetched?: number; result?: number; ok?: boolean; cpuMs: number; events?: [string, number][] };

type ColdSample = { wallMs: number; marks: Marks | undefined };

/** Medians over the samples of one kind (ms). */
type ColdResult = {
  samples: number;
  wallMs: number;
  /** In-process: from process start to the end of the import / the first result. */
  importedMs: number | undefined;
  resultMs: number | undefined;
  cpuMs: number | undefined;
  /** Handshakes and secret fetches per process (mean). */
  handshakes: number;
  secretFetches: number;
};

/**
 * Runs `node <args>` with exactly `env` (plus PATH), timed from spawn to exit, with the child's marks.
 * @throws {Error} when it exits with an error or reports a first invocation that did not cancel.
 */
const spawnTimed = (args: string[], env: Record<string, string>): Promise<ColdSample> =>
  new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, args, { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => (stderr += chunk));
    child.once('error', reject);
    child.once('close', (code) => {
      const wallMs = performance.now() - started;
      if (code !== 0) {
        reject(new Error(`cold process ${args.join(' ').slice(0, 80)} exited with ${code}: ${stderr.slice(-2000)}`));
        return;
      }
      const line = stderr.split('\n').find((text) => text.startsWith('{"entered"'));
      const marks = line === undefined ? undefined : (JSON.parse(line) as Marks);
      if (marks?.ok === false) reject(new Error(`cold ${args[0]} did not cancel its order: ${stderr.slice(-2000)}`));
      else resolve({ wallMs, marks });
    });
  });

/**
 * Takes `samples` samples of each kind, one of each per turn, on fresh orders.
 * @throws {Error} when a cold process fails or its first invocation does not cancel.
 */
const runCold = async (
  sandbox: Sandbox,
  options: { bundle: string; samples: number; nextOrder: () => string; sign: (outOrderNo: string) => Promise<SignedRequest> },
): Promise<Record<ColdKind, ColdResult>> => {
  const env = sandbox.env();
  const samples: Record<ColdKind, ColdSample[]> = { bare: [], import: [], result: [], limit: [] };
  const counters: Record<ColdKind, { handshakes: number; secretFetches: number }> = {
    bare: { handshakes: 0, secretFetches: 0 },
    import: { handshakes: 0, secretFetches: 0 },
    result: { handshakes: 0, secretFetches: 0 },
    limit: { handshakes: 0, secretFetches: 0 },
  };
  const argsFor = async (kind: ColdKind): Promise<string[]> => {
    if (kind === 'bare') return ['--input-type=module', '-e', '0'];
    if (kind === 'import') return [COLD_START, 'import', options.bundle];
    const order = options.nextOrder();
    sandbox.seedOrder(order);
    if (kind === 'result') return [COLD_START, 'result', options.bundle, order, BENCH_REASON];
    const { body, headers } = await options.sign(order);
    return [COLD_LIMIT, sandbox.secrets.url, sandbox.secretId, `${sandbox.primary.url}/wxv/cancelbill`, body, JSON.stringify(headers)];
  };
  const kinds: ColdKind[] = ['bare', 'import', 'result', 'limit'];
  // One untimed round: the first spawn after startup pays for the page cache.
  for (const kind of kinds) await spawnTimed(await argsFor(kind), env);
  for (let index = 0; index < options.samples; index += 1) {
    for (const kind of index % 2 === 0 ? kinds : [...kinds].reverse()) {
      const args = await argsFor(kind);
      sandbox.resetStats();
      samples[kind].push(await spawnTimed(args, env));
      counters[kind].handshakes += sandbox.primary.stats.handshakes;
      counters[kind].secretFetches += sandbox.secrets.stats.getSecretValue;
    }
  }
  const summarizeKind = (kind: ColdKind): ColdResult => {
    const list = samples[kind];
    const markMedian = (pick: (marks: Marks) => number | undefined): number | undefined => {
      const values = list.map((sample) => (sample.marks === undefined ? undefined : pick(sample.marks))).filter((value) => value !== undefined);
      return values.length === 0 ? undefined : median(values);
    };
    return {
      samples: list.length,
      wallMs: median(list.map((sample) => sample.wallMs)),
      importedMs: markMedian((marks) => marks.imported),
      resultMs: markMedian((marks) => marks.result),
      cpuMs: markMedian((marks) => marks.cpuMs),
      handshakes: round(counters[kind].handshakes / list.length, 2),
      secretFetches: round(counters[kind].secretFetches / list.length, 2),
    };
  };
  return { bare: summarizeKind('bare'), import: summarizeKind('import'), result: summarizeKind('result'), limit: summarizeKind('limit') };
};

export { runCold, spawnTimed, COLD_START, COLD_LIMIT };
export type { ColdKind, ColdResult, ColdSample, Marks };
