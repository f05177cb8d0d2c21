/**
 * The batch function's handler: one Lambda function for the two steps of
 * cancel-rental-orders-batch around the Distributed Map, told apart by the event's `step`.
 */
import { isAppError } from '../errors.js';
import type { BatchConfig } from './config.js';
import { BatchFileError } from './errors.js';
import { prepareBatch } from './prepare.js';
import type { Prepared } from './prepare.js';
import { reportBatch } from './report.js';
import type { BatchSummary, ReportInput } from './report.js';
import type { Log } from '../telemetry.js';
import type { ObjectStore } from './store.js';

/** What the state machine sends (infra/batch-state-machine.asl.yml, Parameters of Prepare and Report). */
type BatchEvent =
  | Readonly<{ step: 'prepare'; key: unknown; execution: string }>
  | (Readonly<{ step: 'report' }> & ReportInput);

/** The log methods the handler uses (the cancel function's, lib/telemetry.ts); Powertools' Logger in production. */
type BatchLog = Pick<Log, 'info' | 'error'>;

/** The configuration and the store, or the error that reading the configuration raised. */
type BatchSetup = { log: BatchLog } & ({ config: BatchConfig; store: ObjectStore } | { error: Error });

const stepOf = (event: unknown): unknown => (typeof event === 'object' && event !== null ? (event as { step?: unknown }).step : undefined);

/**
 * Creates the handler. Each invocation logs one line, `cancel-bill-batch step`, with the step, the
 * execution, the row count or the counts by outcome, or the error's name and code (never a row).
 *
 * @throws {BatchFileError} from `prepare` (the file is refused), or for an unknown `step`.
 * @throws {BatchResultsError} from `report`.
 * @throws {ConfigError} when the configuration is invalid.
 * @example
 * export const handler = createBatchHandler({ log: logger, config, store });
 */
const createBatchHandler = (setup: BatchSetup) => async (event: BatchEvent): Promise<Prepared | BatchSummary> => {
  const step = stepOf(event);
  // The event is whatever the caller sent: read it as unknown until a step is recognised.
  const fields: unknown = event;
  const named = typeof fields === 'object' && fields !== null ? (fields as { execution?: unknown }).execution : undefined;
  const execution = typeof named === 'string' ? named : undefined;
  try {
    if ('error' in setup) throw setup.error;
    let result: Prepared | BatchSummary;
    if (step === 'prepare' && event.step === 'prepare') {
      result = await prepareBatch(setup, { key: event.key, execution: event.execution });
      setup.log.info('cancel-bill-batch step', { step, execution, outcome: 'success', rows: result.rows });
    } else if (step === 'report' && event.step === 'report') {
      result = await reportBatch(setup, event);
      setup.log.info('cancel-bill-batch step', { step, execution, outcome: 'success', total: result.total, counts: result.counts });
    } else {
      throw new BatchFileError('INVALID_STEP', 'the event must name a step: prepare or report');
    }
    return result;
  } catch (error) {
    const name = error instanceof Error ? error.name : typeof error;
    const code = isAppError(error) ? error.code : 'INTERNAL_ERROR';
    setup.log.error('cancel-bill-batch step', { step: typeof step === 'string' ? step : undefined, execution, outcome: 'error', error_name: name, error_code: code });
    throw error;
  }
};

export { createBatchHandler };
export type { BatchEvent, BatchLog, BatchSetup };
