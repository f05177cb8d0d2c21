// `npm run batch`: bulk cancellation for operators (docs/batch.md).
//   npm run batch -- --file orders.csv --stage prod [--region R] [--name NAME]
//   npm run batch -- --local --file orders.csv [--name NAME] [--seed CREATED|mixed|none] [--out DIR]
//   npm run batch -- --check --file orders.csv
// The file is checked here first with the prepare step's own parser; a refused file is never
// uploaded. Exit status: 0 when the run completed (whatever each order's outcome), 2 when the file
// is refused, 3 when the run stopped or failed, 1 for a usage or unexpected error.
import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { DEFAULT_MAX_ROWS } from '../lib/batch/config.js';
import { describeProblems, parseBatchFile } from '../lib/batch/input-file.js';
import type { ParsedFile } from '../lib/batch/input-file.js';
import type { BatchSummary } from '../lib/batch/report.js';
import { createAwsCloud, discoverStage, runInAws } from './batch/aws-run.js';
import { createProgressPrinter, renderStatusProgress, renderSummary } from './batch/progress.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const EXIT = { completed: 0, error: 1, refused: 2, stopped: 3, failed: 3 } as const;
/** Stand-ins for the stage's WECHATPAY_APPID / WECHATPAY_SERVICE_ID, which only the prepare step knows. */
const ASSUMED_DEFAULTS = { appid: 'assumed-default', serviceId: '0' } as const;
const SEED_STATES = ['CREATED', 'USER_ACCEPTED', 'FINISHED', 'USER_PAID', 'REVOKED', 'EXPIRED'] as const;
/** `--seed mixed`: the sandbox's orders in turn in these states; `none` leaves one unknown to WeChat Pay. */
const MIXED = ['CREATED', 'USER_ACCEPTED', 'CREATED', 'REVOKED', 'EXPIRED', 'FINISHED', 'USER_PAID', 'none'] as const;

const USAGE = `usage:
  npm run batch -- --file orders.csv --stage prod [--region REGION] [--name NAME] [--poll-seconds 5]
  npm run batch -- --local --file orders.csv [--name NAME] [--seed CREATED|mixed|none] [--out DIR]
  npm run batch -- --check --file orders.csv [--max-rows N]`;

const say = (line = ''): void => void process.stdout.write(`${line}\n`);

/** An execution name from the file's name and the time: letters, digits, - and _ only, at most 80. */
const executionName = (file: string, now: Date): string => {
  const stem = basename(file).replace(/\.[^.]*$/, '').replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 50) || 'batch';
  return `${stem}-${now.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '')}`;
};

/** Prints the refusal, every problem with its line. */
const printRefusal = (name: string, parsed: ParsedFile): void => {
  say(`${name} is refused (${parsed.problems.length} problem${parsed.problems.length === 1 ? '' : 's'}); nothing was uploaded or cancelled:`);
  say(describeProblems(parsed.problems));
};

const printSummary = (summary: BatchSummary, where: Readonly<{ report: string; retry?: string | undefined }>): void => {
  say();
  say(renderSummary(summary));
  say();
  say(`report: ${where.report}`);
  say(where.retry === undefined ? 'retry:  none (no order ended failed)' : `retry:  ${where.retry} (${summary.counts.failed} orders to resubmit)`);
};

/** The Lambda error payload's message, or the cause as it is. */
const causeText = (cause: string): string => {
  try {
    const payload = JSON.parse(cause) as { errorMessage?: unknown };
    return typeof payload.errorMessage === 'string' ? payload.errorMessage : cause;
  } catch {
    return cause;
  }
};

const runLocal = async (file: string, bytes: Uint8Array, options: Readonly<{ name: string; seed: string; out: string }>): Promise<number> => {
  // Lazy import: the sandbox and the interpreter are local-mode only.
  const { runWithProgress, startLocalSession } = await import('./batch/local-session.js');
  say('building the bundles and packaging the stack offline ...');
  await promisify(execFile)(process.execPath, [join(ROOT, 'scripts/build.mjs')], { cwd: ROOT });
  const session = await startLocalSession();
  const { local, sandbox } = session;
  try {
    const parsed = parseBatchFile(bytes, { name: file, defaults: { appid: sandbox.appid, serviceId: sandbox.serviceId }, maxRows: DEFAULT_MAX_ROWS });
    if (options.seed !== 'none') {
      parsed.rows.forEach((row, index) => {
        const state = options.seed === 'mixed' ? MIXED[index % MIXED.length] : options.seed;
        if (state !== 'none') sandbox.seedOrder(row.item.out_order_no, state as never);
      });
      say(`sandbox: ${parsed.rows.length} orders seeded ${options.seed === 'mixed' ? `in turn as ${MIXED.join(', ')}` : `as ${options.seed}`}`);
    }
    const result = await runWithProgress(local, { file: bytes, fileName: basename(file), execution: options.name });
    if (result.status !== 'completed') {
      say(`${result.status}: ${result.error}`);
      say(causeText(result.cause));
      return EXIT[result.status];
    }
    const dir = resolve(options.out, options.name);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'report.csv'), result.report);
    if (result.retry !== undefined) await writeFile(join(dir, 'retry.csv'), result.retry);
    printSummary(result.summary, {
      report: `${join(dir, 'report.csv')} (local bucket: ${result.summary.report})`,
      retry: result.retry === undefined ? undefined : join(dir, 'retry.csv'),
    });
    return EXIT.completed;
  } finally {
    await session.close();
  }
};

const runStage = async (bytes: Uint8Array, options: Readonly<{ stage: string; region?: string; name: string; pollSeconds: number; fileName: string }>): Promise<number> => {
  const targets = await discoverStage({ stage: options.stage, region: options.region });
  const key = `inputs/${options.name}-${options.fileName.replace(/[^A-Za-z0-9._-]/g, '_')}`;
  say(`uploading to s3://${targets.bucket}/${key} and starting ${options.name} on ${targets.stateMachineArn}`);
  const printer = createProgressPrinter(process.stdout);
  const result = await runInAws({
    cloud: createAwsCloud(targets, options.region),
    key,
    file: bytes,
    name: options.name,
    pollMs: options.pollSeconds * 1000,
    onMapRun: (counts, done) => printer.update(renderStatusProgress(counts, done), counts.total === 0 ? 0 : done / counts.total),
  });
  printer.done();
  if (result.status !== 'completed') {
    say(`${result.status}: ${result.error} (${result.executionArn})`);
    say(causeText(result.cause));
    return EXIT[result.status];
  }
  printSummary(result.summary, { report: result.summary.report, retry: result.summary.retry ?? undefined });
  return EXIT.completed;
};

const main = async (): Promise<number> => {
  const { values } = parseArgs({
    options: {
      file: { type: 'string' },
      stage: { type: 'string' },
      region: { type: 'string' },
      name: { type: 'string' },
      local: { type: 'boolean', default: false },
      check: { type: 'boolean', default: false },
      seed: { type: 'string', default: 'CREATED' },
      out: { type: 'string', default: join(ROOT, '.tmp/batch') },
      'poll-seconds': { type: 'string', default: '5' },
      'max-rows': { type: 'string', default: String(DEFAULT_MAX_ROWS) },
    },
  });
  const modes = [values.local, values.check, values.stage !== undefined].filter(Boolean).length;
  const pollSeconds = Number(values['poll-seconds']);
  const maxRows = Number(values['max-rows']);
  if (values.file === undefined || modes !== 1 || !(pollSeconds >= 1) || !Number.isSafeInteger(maxRows) || maxRows < 1) {
    say(USAGE);
    return EXIT.error;
  }
  if (!['none', 'mixed', ...SEED_STATES].includes(values.seed)) {
    say(`--seed must be none, mixed or one of ${SEED_STATES.join(', ')}`);
    return EXIT.error;
  }
  const bytes = await readFile(values.file);
  const name = values.name ?? executionName(values.file, new Date());

  // Checked here with the prepare step's parser. The stage's own defaults for service_id and appid
  // are known only to the prepare step, which checks every row again.
  const parsed = parseBatchFile(bytes, { name: values.file, defaults: ASSUMED_DEFAULTS, maxRows });
  if (parsed.problems.length > 0) {
    printRefusal(values.file, parsed);
    return EXIT.refused;
  }
  say(`${values.file}: ${parsed.rows.length} orders (${parsed.format === 'csv' ? 'CSV' : 'JSON Lines'}), every row valid`);
  if (values.check) return EXIT.completed;
  if (values.local) return runLocal(values.file, bytes, { name, seed: values.seed, out: values.out });
  return runStage(bytes, { stage: values.stage as string, region: values.region, name, pollSeconds, fileName: basename(values.file) });
};

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(EXIT.error);
  },
);
