/**
 * Where a batch's objects live in the batch bucket: the operator's file under `inputs/`, everything
 * a run writes under `results/<execution>/`; docs/batch.md ("The bucket, the function and permissions").
 */
import { BatchFileError } from './errors.js';

const INPUTS_PREFIX = 'inputs/';
const RESULTS_PREFIX = 'results/';
/** A Step Functions execution name as it can appear in a key: no separators, no blanks, at most 80 characters. */
const EXECUTION_NAME = /^[^\s/\\]{1,80}$/;

/** The keys one execution writes. */
type ResultKeys = Readonly<{
  /** Where ResultWriter writes (it adds `<map run id>/manifest.json` and the result files). */
  prefix: string;
  items: string;
  report: string;
  retry: string;
  refusal: string;
}>;

/**
 * The keys of an execution's results.
 *
 * @throws {BatchFileError} `INVALID_EXECUTION` for a name that cannot be part of a key.
 */
const resultKeys = (execution: string): ResultKeys => {
  if (!EXECUTION_NAME.test(execution) || execution === '.' || execution === '..') {
    throw new BatchFileError('INVALID_EXECUTION', 'the execution name must be 1-80 characters without blanks or slashes');
  }
  const prefix = `${RESULTS_PREFIX}${execution}`;
  return {
    prefix,
    items: `${prefix}/items.json`,
    report: `${prefix}/report.csv`,
    retry: `${prefix}/retry.csv`,
    refusal: `${prefix}/refusal.txt`,
  };
};

/**
 * Checks that `key` names an input file.
 *
 * @throws {BatchFileError} `INVALID_KEY` for a key outside `inputs/` or one with `.`/`..` segments.
 */
const assertInputKey = (key: unknown): string => {
  if (typeof key !== 'string' || !key.startsWith(INPUTS_PREFIX) || key.length <= INPUTS_PREFIX.length || key.length > 1024) {
    throw new BatchFileError('INVALID_KEY', `the execution input must be {"key": "${INPUTS_PREFIX}..."}, the key of a file under ${INPUTS_PREFIX}`);
  }
  if (key.split('/').some((segment) => segment === '.' || segment === '..')) {
    throw new BatchFileError('INVALID_KEY', 'the key must not contain . or .. segments');
  }
  return key;
};

export { resultKeys, assertInputKey, INPUTS_PREFIX, RESULTS_PREFIX };
export type { ResultKeys };
