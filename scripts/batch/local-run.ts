/**
 * Runs cancel-rental-orders-batch locally: the packaged definition under aws-local-stepfunctions,
 * the prepare and report steps on the batch function's bundle, every order on the cancel
 * function's bundle against the sandbox (WeChat Pay and Secrets Manager on 127.0.0.1), and a local
 * S3 endpoint where the bucket would be. Inline items stand in for ItemReader and ResultWriter
 * (local-definition.ts); everything else is the deployed code. Nothing leaves 127.0.0.1.
 */
import { ExecutionError, StateMachine } from 'aws-local-stepfunctions';
import type { StateMachineDefinition } from 'aws-local-stepfunctions';
import { emptyCounts, isOutcome } from '../../lib/batch/outcomes.js';
import type { Outcome, OutcomeCounts } from '../../lib/batch/outcomes.js';
import type { BatchSummary } from '../../lib/batch/report.js';
import { BATCH_STATE_MACHINE_ID, packagedDefinition } from '../../test/deploy/support/asl.js';
import type { Template } from '../../test/deploy/support/package-service.js';
import type { Sandbox } from '../../test/sandbox/index.js';
import type { S3Sandbox } from '../../test/sandbox/s3-server.js';
import { createMapRunStop, createS3StandIns, ITEM_READER_STATE, RESULT_WRITER_STATE, toLocalDefinition } from './local-definition.js';
import { createLocalFunction, FAKE_AWS_ENV, resolveLocalFunctionArns } from './local-lambda.js';
import type { LocalFunction } from './local-lambda.js';

/** The bucket of local runs, on the local S3 endpoint. */
const LOCAL_BUCKET = 'cancel-bill-local-batch';
const CANCEL_FUNCTION = 'CancelBillLambdaFunction';
const BATCH_FUNCTION = 'CancelBillBatchLambdaFunction';
/** Retry waits of local runs: the definition's own would make a local run of a few hundred orders take minutes. */
const DEFAULT_RETRY_WAIT_MS = 100;

type Progress = Readonly<{ total: number | undefined; done: number; counts: OutcomeCounts }>;

type LocalRunResult =
  | Readonly<{ status: 'completed'; summary: BatchSummary; report: string; retry: string | undefined; progress: Progress }>
  | Readonly<{ status: 'refused' | 'stopped' | 'failed'; error: string; cause: string; progress: Progress }>;

type RunOptions = Readonly<{
  /** The operator's file, uploaded as `inputs/<fileName>`. */
  file: Uint8Array;
  fileName: string;
  execution: string;
  onProgress?: (progress: Progress) => void;
}>;

type LocalBatch = {
  stateMachineArn: string;
  cancelFunction: LocalFunction;
  batchFunction: LocalFunction;
  run(options: RunOptions): Promise<LocalRunResult>;
  stop(): Promise<void>;
};

type EventRecord = {
  type: string;
  index?: number;
  state?: { name: string; output?: unknown };
  Error?: string;
  Cause?: unknown;
};

type MutablePromiseConstructor = PromiseConstructor & { withResolvers?: unknown };

/**
 * aws-local-stepfunctions 3 calls Promise.withResolvers, which Node 20 lacks: every Task would fail
 * with a TypeError (docs/testing.md ("The state machine, executed")). Shim it; runs refuse any TypeError.
 */
const shimPromiseWithResolvers = (): void => {
  if (typeof (Promise as MutablePromiseConstructor).withResolvers === 'function') return;
  Object.defineProperty(Promise, 'withResolvers', {
    configurable: true,
    writable: true,
    value<T>() {
      let resolve!: (value: T | PromiseLike<T>) => void;
      let reject!: (reason?: unknown) => void;
      const promise = new Promise<T>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      return { promise, resolve, reject };
    },
  });
};
shimPromiseWithResolvers();

const ownError = (name: string, message: string): Error => Object.assign(new Error(message), { name });

/**
 * Prepares local runs: the two functions of `template` on their bundles, the cancel function
 * against `sandbox`, the batch function against `s3` (the bucket is created there).
 *
 * @example
 * const local = createLocalBatch({ template, sandbox, s3 });
 * const result = await local.run({ file, fileName: 'orders.csv', execution: 'demo-1', onProgress });
 */
const createLocalBatch = (options: Readonly<{
  template: Template;
  sandbox: Sandbox;
  s3: S3Sandbox;
  /** Variables of the cancel function to replace besides the sandbox's (shorter timeouts, say). */
  cancelEnv?: Readonly<Record<string, string>>;
  /** Every retry wait of the state machine, in ms (the interpreter's override). */
  retryWaitMs?: number;
}>): LocalBatch => {
  const { template, sandbox, s3 } = options;
  s3.createBucket(LOCAL_BUCKET);
  const local = sandbox.env();
  const cancelFunction = createLocalFunction({
    template,
    logicalId: CANCEL_FUNCTION,
    env: {
      WECHATPAY_SECRET_ID: sandbox.secretId,
      WECHATPAY_APPID: sandbox.appid,
      WECHATPAY_SERVICE_ID: sandbox.serviceId,
      WECHATPAY_BASE_URL: local.WECHATPAY_BASE_URL as string,
      WECHATPAY_BACKUP_BASE_URL: local.WECHATPAY_BACKUP_BASE_URL as string,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: local.AWS_ENDPOINT_URL_SECRETS_MANAGER as string,
      NODE_EXTRA_CA_CERTS: local.NODE_EXTRA_CA_CERTS as string,
      ...options.cancelEnv,
    },
  });
  const batchFunction = createLocalFunction({
    template,
    logicalId: BATCH_FUNCTION,
    env: {
      BATCH_BUCKET: LOCAL_BUCKET,
      AWS_ENDPOINT_URL_S3: s3.url,
      WECHATPAY_APPID: sandbox.appid,
      WECHATPAY_SERVICE_ID: sandbox.serviceId,
    },
  });
  const machineName = String(template.Resources[BATCH_STATE_MACHINE_ID]?.Properties.StateMachineName);
  const stateMachineArn = `arn:aws:states:${FAKE_AWS_ENV.AWS_REGION}:123456789012:stateMachine:${machineName}`;
  const definition = toLocalDefinition(packagedDefinition(template, resolveLocalFunctionArns(template), BATCH_STATE_MACHINE_ID));
  const mapLabel = (Object.values(definition.States).find((state) => state.Type === 'Map') as { Label?: string } | undefined)?.Label ?? 'Map';
  const standIns = createS3StandIns(s3, { stateMachineArn, mapLabel });
  const retryWaitMs = options.retryWaitMs ?? DEFAULT_RETRY_WAIT_MS;

  const invokeBy = (input: unknown): Promise<unknown> => {
    const name = (input as { FunctionName?: unknown } | undefined)?.FunctionName;
    const fn = [cancelFunction, batchFunction].find((candidate) => candidate.arn === name);
    if (fn === undefined) return Promise.reject(ownError('Lambda.ResourceNotFoundException', `Function not found: ${String(name)}`));
    return fn.invokeTask(input);
  };
  /** Every Task state's name, nested ones marked (they run once per order). */
  const taskNames: { name: string; nested: boolean }[] = [];
  const collect = (node: { States?: Record<string, { Type: string; ItemProcessor?: unknown }> }, nested: boolean): void => {
    for (const [name, state] of Object.entries(node.States ?? {})) {
      if (state.Type === 'Task') taskNames.push({ name, nested });
      if (state.ItemProcessor !== undefined) collect(state.ItemProcessor as never, true);
    }
  };
  collect(definition, false);
  const retryIntervalOverrides = Object.fromEntries(taskNames.map(({ name }) => [name, retryWaitMs]));

  const run = async (runOptions: RunOptions): Promise<LocalRunResult> => {
    const mapRun = createMapRunStop();
    const handlers: Record<string, (input: unknown) => Promise<unknown>> = Object.fromEntries(
      taskNames.map(({ name, nested }) => [name, nested ? mapRun.guard(invokeBy) : invokeBy]),
    );
    handlers[ITEM_READER_STATE] = (input) => Promise.resolve().then(() => standIns.readItems(input));
    handlers[RESULT_WRITER_STATE] = (input) => Promise.resolve().then(() => standIns.writeResults(input));
    const key = `inputs/${runOptions.fileName}`;
    s3.putObject(LOCAL_BUCKET, key, runOptions.file, 'text/plain; charset=utf-8');
    const machine = new StateMachine(definition as unknown as StateMachineDefinition, {
      awsConfig: { region: FAKE_AWS_ENV.AWS_REGION, credentials: { accessKeys: { accessKeyId: 'AKIAFAKE', secretAccessKey: 'fake' } } },
    });
    const execution = machine.run({ key }, {
      overrides: { taskResourceLocalHandlers: handlers as never, retryIntervalOverrides },
      context: { Execution: { Name: runOptions.execution, Id: `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${runOptions.execution}` } },
    });

    const outcomes = new Map<number, Outcome>();
    let total: number | undefined;
    const progress = (): Progress => {
      const counts = emptyCounts();
      for (const outcome of outcomes.values()) counts[outcome] += 1;
      return { total, done: outcomes.size, counts };
    };
    const events: EventRecord[] = [];
    const logging = (async () => {
      for await (const raw of execution.eventLogs) {
        const event = raw as EventRecord;
        events.push(event);
        if (event.type === 'MapIterationFailed') mapRun.stop();
        if (event.type !== 'StateExited') continue;
        const output = event.state?.output as { outcome?: unknown; prepared?: { rows?: unknown } } | undefined;
        if (event.index === undefined && event.state?.name === 'Prepare' && typeof output?.prepared?.rows === 'number') {
          total = output.prepared.rows;
          runOptions.onProgress?.(progress());
        } else if (event.index !== undefined && isOutcome(output?.outcome)) {
          outcomes.set(event.index, output.outcome);
          runOptions.onProgress?.(progress());
        }
      }
    })();

    let output: unknown;
    let failure: unknown;
    try {
      output = await execution.result;
    } catch (error) {
      failure = error;
    }
    await logging;
    const typeErrors = events.filter((event) => event.Error === 'TypeError');
    if (typeErrors.length > 0) throw new Error(`a TypeError reached the state machine (an interpreter or shim fault): ${String(typeErrors[0]?.Cause)}`);

    if (failure === undefined) {
      const summary = output as BatchSummary;
      const read = (location: string | null): string | undefined =>
        location === null ? undefined : s3.getObject(LOCAL_BUCKET, location.replace(`s3://${LOCAL_BUCKET}/`, ''))?.toString('utf8');
      return { status: 'completed', summary, report: read(summary.report) ?? '', retry: read(summary.retry), progress: progress() };
    }
    if (!(failure instanceof ExecutionError)) throw failure instanceof Error ? failure : new Error('the interpreter failed with a value that is not an Error');
    const failed = events.find((event) => event.type === 'ExecutionFailed');
    const entered = events.filter((event) => event.type === 'StateEntered' && event.index === undefined).map((event) => event.state?.name);
    const last = entered.at(-1);
    const error = failed?.Error ?? failure.name;
    const cause = typeof failed?.Cause === 'string' ? failed.Cause : failure.message;
    const status = last === 'BatchStopped' ? 'stopped' : last === 'Prepare' && error === 'BatchFileError' ? 'refused' : 'failed';
    return { status, error, cause, progress: progress() };
  };

  return {
    stateMachineArn,
    cancelFunction,
    batchFunction,
    run,
    stop: async () => {
      await Promise.all([cancelFunction.stop(), batchFunction.stop()]);
    },
  };
};

export { createLocalBatch, LOCAL_BUCKET };
export type { LocalBatch, LocalRunResult, Progress };
