/**
 * One local batch session for `npm run batch -- --local` and the demo: the stack packaged offline,
 * the sandbox, the local S3 endpoint and the local run (local-run.ts), and a run with its progress
 * bar. Local only: nothing leaves 127.0.0.1.
 */
import { packageService, TEST_STAGE_PARAMS } from '../../test/deploy/support/package-service.js';
import { startSandbox } from '../../test/sandbox/index.js';
import type { Sandbox } from '../../test/sandbox/index.js';
import { startS3Sandbox } from '../../test/sandbox/s3-server.js';
import { createLocalBatch } from './local-run.js';
import type { LocalBatch, LocalRunResult } from './local-run.js';
import { createProgressPrinter, renderOutcomeProgress } from './progress.js';

type LocalSession = { local: LocalBatch; sandbox: Sandbox; close(): Promise<void> };

/**
 * Packages the stack and starts everything a local run needs.
 *
 * @example
 * const session = await startLocalSession({ retryWaitMs: 50 });
 * try { ... } finally { await session.close(); }
 */
const startLocalSession = async (options: Readonly<{ retryWaitMs?: number }> = {}): Promise<LocalSession> => {
  const [packaged, sandbox, s3] = await Promise.all([packageService(TEST_STAGE_PARAMS), startSandbox(), startS3Sandbox()]);
  const local = createLocalBatch({ template: packaged.template, sandbox, s3, retryWaitMs: options.retryWaitMs });
  return {
    local,
    sandbox,
    close: async () => {
      await local.stop();
      await Promise.all([sandbox.close(), s3.close(), packaged.cleanup()]);
    },
  };
};

/** Runs a file, drawing the progress bar (done / total, counts by outcome) on `stream`. */
const runWithProgress = async (
  local: LocalBatch,
  run: Readonly<{ file: Uint8Array; fileName: string; execution: string }>,
  stream: NodeJS.WriteStream = process.stdout,
): Promise<LocalRunResult> => {
  const printer = createProgressPrinter(stream);
  try {
    return await local.run({
      ...run,
      onProgress: (progress) => printer.update(renderOutcomeProgress(progress), progress.total ? progress.done / progress.total : 0),
    });
  } finally {
    printer.done();
  }
};

export { startLocalSession, runWithProgress };
export type { LocalSession };
