/**
 * `npm run batch -- --file orders.csv --stage prod`: uploads the (already checked) file to the
 * stage's batch bucket, starts cancel-rental-orders-batch and polls it until it ends. AWS is
 * reached only through `BatchCloud`, so the flow is tested with a fake one.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DescribeExecutionCommand, DescribeMapRunCommand, ListMapRunsCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { BatchSummary } from '../../lib/batch/report.js';

type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED' | 'PENDING_REDRIVE';

/** The map run's children by status, as DescribeMapRun counts them. */
type MapRunCounts = Readonly<{ total: number; pending: number; running: number; succeeded: number; failed: number; timedOut: number; aborted: number }>;

/** What the CLI needs of AWS. */
interface BatchCloud {
  upload(key: string, body: Uint8Array): Promise<void>;
  /** Starts an execution; resolves its ARN. */
  start(name: string, input: string): Promise<string>;
  describe(executionArn: string): Promise<{ status: ExecutionStatus; output?: string; error?: string; cause?: string }>;
  /** The map run's counts, once it exists. */
  mapRun(executionArn: string): Promise<MapRunCounts | undefined>;
}

type AwsRunResult =
  | Readonly<{ status: 'completed'; executionArn: string; summary: BatchSummary }>
  | Readonly<{ status: 'refused' | 'stopped' | 'failed'; executionArn: string; error: string; cause: string }>;

/** The stack's outputs the CLI uses (infra/batch.yml). */
type StageTargets = Readonly<{ bucket: string; stateMachineArn: string }>;

/**
 * Reads the batch bucket and state machine of a deployed stage from its stack's outputs.
 *
 * @throws {Error} when the stack or an output is missing.
 */
const discoverStage = async (options: Readonly<{ stage: string; region?: string; service?: string }>): Promise<StageTargets> => {
  const stackName = `${options.service ?? 'cancel-bill'}-${options.stage}`;
  const client = new CloudFormationClient({ region: options.region });
  const reply = await client.send(new DescribeStacksCommand({ StackName: stackName }));
  const outputs = new Map((reply.Stacks?.[0]?.Outputs ?? []).map((output) => [output.OutputKey ?? '', output.OutputValue]));
  const bucket = outputs.get('BatchBucketName');
  const stateMachineArn = outputs.get('BatchStateMachineArn');
  if (bucket === undefined || stateMachineArn === undefined) {
    throw new Error(`stack ${stackName} has no BatchBucketName/BatchStateMachineArn outputs: deploy this version first`);
  }
  return { bucket, stateMachineArn };
};

/** The SDK-backed BatchCloud for one stage. */
const createAwsCloud = (targets: StageTargets, region?: string): BatchCloud => {
  const s3 = new S3Client({ region });
  const sfn = new SFNClient({ region });
  return {
    upload: async (key, body) => {
      await s3.send(new PutObjectCommand({ Bucket: targets.bucket, Key: key, Body: body, ContentType: 'text/plain; charset=utf-8' }));
    },
    start: async (name, input) => {
      const reply = await sfn.send(new StartExecutionCommand({ stateMachineArn: targets.stateMachineArn, name, input }));
      return reply.executionArn ?? '';
    },
    describe: async (executionArn) => {
      const reply = await sfn.send(new DescribeExecutionCommand({ executionArn }));
      return { status: reply.status as ExecutionStatus, output: reply.output, error: reply.error, cause: reply.cause };
    },
    mapRun: async (executionArn) => {
      const runs = await sfn.send(new ListMapRunsCommand({ executionArn }));
      const mapRunArn = runs.mapRuns?.[0]?.mapRunArn;
      if (mapRunArn === undefined) return undefined;
      const counts = (await sfn.send(new DescribeMapRunCommand({ mapRunArn }))).itemCounts;
      if (counts === undefined) return undefined;
      return {
        total: counts.total ?? 0,
        pending: counts.pending ?? 0,
        running: counts.running ?? 0,
        succeeded: counts.succeeded ?? 0,
        failed: counts.failed ?? 0,
        timedOut: counts.timedOut ?? 0,
        aborted: counts.aborted ?? 0,
      };
    },
  };
};

/** Children that have ended, whatever their status. */
const doneOf = (counts: MapRunCounts): number => counts.succeeded + counts.failed + counts.timedOut + counts.aborted;

/**
 * Uploads the file as `key`, starts the execution `name` with `{"key": key}` and polls it every
 * `pollMs` until it ends, reporting the map run's counts on the way.
 *
 * @example
 * const result = await runInAws({ cloud, key: 'inputs/20260101-orders.csv', file, name: 'orders-20260101', onMapRun });
 */
const runInAws = async (options: Readonly<{
  cloud: BatchCloud;
  key: string;
  file: Uint8Array;
  name: string;
  pollMs?: number;
  onMapRun?: (counts: MapRunCounts, done: number) => void;
  wait?: (ms: number) => Promise<unknown>;
}>): Promise<AwsRunResult> => {
  const { cloud } = options;
  const wait = options.wait ?? sleep;
  await cloud.upload(options.key, options.file);
  const executionArn = await cloud.start(options.name, JSON.stringify({ key: options.key }));
  for (;;) {
    const execution = await cloud.describe(executionArn);
    const counts = await cloud.mapRun(executionArn);
    if (counts !== undefined) options.onMapRun?.(counts, doneOf(counts));
    if (execution.status === 'SUCCEEDED') {
      return { status: 'completed', executionArn, summary: JSON.parse(execution.output ?? '{}') as BatchSummary };
    }
    if (execution.status !== 'RUNNING') {
      const error = execution.error ?? execution.status;
      const cause = execution.cause ?? '';
      const status = error === 'BatchFileError' ? 'refused' : error === 'States.ExceedToleratedFailureThreshold' ? 'stopped' : 'failed';
      return { status, executionArn, error, cause };
    }
    await wait(options.pollMs ?? 5000);
  }
};

export { runInAws, createAwsCloud, discoverStage, doneOf };
export type { AwsRunResult, BatchCloud, ExecutionStatus, MapRunCounts, StageTargets };
