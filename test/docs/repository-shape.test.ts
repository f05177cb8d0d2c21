/**
 * The shape of the code base, checked on every `npm test`: no import cycle in lib/ (madge), no
 * block of six or more lines repeated in lib/, functions/ or scripts/ (jscpd, with .jscpd.json),
 * and the wall clock read only by lib/clock.ts (STYLE §6). Each tool check is paired with one on a
 * planted sample, so a tool that stopped finding anything would fail here too.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** madge reads every file with the TypeScript compiler: slow on a cold, shared machine. */
const TOOL_TIMEOUT_MS = 120_000;

const scratch = mkdtempSync(join(tmpdir(), 'repository-shape-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Writes files under a fresh folder of the scratch space and returns the folder. */
const sample = (name: string, files: Record<string, string>): string => {
  const folder = join(scratch, name);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(folder, path)), { recursive: true });
    writeFileSync(join(folder, path), text);
  }
  return folder;
};

/** Runs a devDependency's command from the repository root; stdout and stderr together. */
const runTool = (tool: 'madge' | 'jscpd', args: string[]): { status: number | null; output: string } => {
  const result = spawnSync(join(REPO_ROOT, 'node_modules', '.bin', tool), args, {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', JSCPD_NO_TIPS: '1' },
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}${result.error?.message ?? ''}` };
};

/** Files under `folder` (relative to the repository) whose names end with one of `extensions`. */
const filesUnder = (folder: string, extensions: readonly string[]): string[] =>
  readdirSync(join(REPO_ROOT, folder), { recursive: true, encoding: 'utf8' })
    .filter((name) => extensions.some((extension) => name.endsWith(extension)))
    .map((name) => join(folder, name));

const madgeCycles = (folder: string) => runTool('madge', ['--circular', '--warning', '--no-color', '--extensions', 'ts', folder]);

const jscpdReport = (paths: string[] = []) => {
  const output = mkdtempSync(join(scratch, 'jscpd-'));
  const run = runTool('jscpd', ['--config', '.jscpd.json', '--reporters', 'json', '--output', output, '--no-colors', ...paths]);
  const report = JSON.parse(readFileSync(join(output, 'jscpd-report.json'), 'utf8')) as {
    duplicates: { firstFile: { name: string; start: number; end: number }; secondFile: { name: string; start: number; end: number } }[];
    statistics: { total: { sources: number } };
  };
  return { ...run, report };
};

/** Six lines, 36 tokens: fewer than jscpd's default 50, so only the settings of .jscpd.json find it. */
const SIX_LINES = `(a: number): number => {
  const b = a + 1;
  const c = b * 2;
  const d = c - a;
  return d;
};
`;
const FIVE_LINES = `(a: number): number => {
  const b = a + 1;
  const c = b * 2 - a;
  return c;
};
`;

describe('repository shape', () => {
  describe('imports', () => {
    it('has no import cycle in lib/, type-only imports included', { timeout: TOOL_TIMEOUT_MS }, () => {
      // Prepare
      const libFiles = filesUnder('lib', ['.ts']);

      // Act
      const { status, output } = madgeCycles('lib');

      // Assess: every file was read and no import was left unresolved (madge says "Skipped").
      expect(output).toContain(`Processed ${libFiles.length} files`);
      expect(output).not.toMatch(/skipped/i);
      expect(output).toContain('No circular dependency found');
      expect(status, output).toBe(0);
    });

    it('reports a cycle of type-only imports written with .js suffixes', { timeout: TOOL_TIMEOUT_MS }, () => {
      // Prepare: the shape lib/deps.ts and lib/handler.ts once had.
      const folder = sample('cycle', {
        'deps.ts': "import type { Handler } from './handler.js';\nexport type Deps = { handler?: Handler };\n",
        'handler.ts': "import type { Deps } from './deps.js';\nexport type Handler = (deps: Deps) => void;\n",
      });

      // Act
      const { status, output } = madgeCycles(folder);

      // Assess
      expect(output).toContain('deps.ts > handler.ts');
      expect(status).toBe(1);
    });
  });

  describe('repeated code', () => {
    it('finds no block of six or more lines repeated in lib/, functions/ or scripts/', { timeout: TOOL_TIMEOUT_MS }, () => {
      // Prepare: the paths of .jscpd.json, the bench included.
      const checked = ['lib', 'functions', 'scripts'].flatMap((folder) => filesUnder(folder, ['.ts', '.mjs', '.js']));

      // Act
      const { status, output, report } = jscpdReport();

      // Assess
      expect(report.duplicates.map(({ firstFile: a, secondFile: b }) => `${a.name}:${a.start}-${a.end} = ${b.name}:${b.start}-${b.end}`)).toEqual([]);
      expect(report.statistics.total.sources, 'files jscpd read: is .jscpd.json still read?').toBe(checked.length);
      expect(status, output).toBe(0);
    });

    it('catches a six-line block repeated in another file, with the settings of .jscpd.json', { timeout: TOOL_TIMEOUT_MS }, () => {
      // Prepare
      const folder = sample('six-lines', { 'one.ts': `export const next = ${SIX_LINES}`, 'two.ts': `export const other = ${SIX_LINES}` });

      // Act
      const { status, report } = jscpdReport([folder]);

      // Assess
      expect(report.duplicates).toHaveLength(1);
      expect(status).toBe(1);
    });

    it('lets a five-line block pass', { timeout: TOOL_TIMEOUT_MS }, () => {
      // Prepare
      const folder = sample('five-lines', { 'one.ts': `export const next = ${FIVE_LINES}`, 'two.ts': `export const other = ${FIVE_LINES}` });

      // Act
      const { status, report } = jscpdReport([folder]);

      // Assess
      expect(report.duplicates).toEqual([]);
      expect(status).toBe(0);
    });
  });

  describe('clock', () => {
    it('reads the wall clock in lib/ only in lib/clock.ts', () => {
      // Prepare
      const readers = /\bDate\.now\(|\bnew Date\(\s*\)|\bperformance\.now\(|\bprocess\.hrtime\b/;

      // Act
      const offenders = filesUnder('lib', ['.ts'])
        .filter((file) => file !== join('lib', 'clock.ts'))
        .filter((file) => readers.test(readFileSync(join(REPO_ROOT, file), 'utf8')));

      // Assess
      expect(offenders).toEqual([]);
      expect(readers.test(readFileSync(join(REPO_ROOT, 'lib', 'clock.ts'), 'utf8'))).toBe(true);
    });
  });
});
