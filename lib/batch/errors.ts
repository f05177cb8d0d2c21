/**
 * Errors of the batch function (prepare and report steps of cancel-rental-orders-batch). Their
 * `name` is the error a failed batch execution shows; the message starts with a machine code, as
 * in the cancel function (STYLE §4). They are not part of the cancel function's contract.
 */
import { AppError } from '../errors.js';
import type { AppErrorOptions } from '../errors.js';

/** The input file was refused before any order was touched: the message lists every problem. */
class BatchFileError extends AppError {
  public constructor(code: string, detail: string, options?: AppErrorOptions) {
    super(code, detail, options);
    this.name = 'BatchFileError';
  }
}

/** The map run's results could not be read or do not match the prepared items. */
class BatchResultsError extends AppError {
  public constructor(code: string, detail: string, options?: AppErrorOptions) {
    super(code, detail, options);
    this.name = 'BatchResultsError';
  }
}

export { BatchFileError, BatchResultsError };
