// cancel-rental-orders-batch, packaged and executed by aws-local-stepfunctions on the engines'
// executor (virtual clock): Prepare and Report on the batch function's bundle against a local S3
// endpoint, every order on the cancel function's bundle against the sandbox. Inline items stand in
// for the ItemReader and the ResultWriter (scripts/batch/local-definition.ts).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseCsv } from '../../lib/batch/csv.js';
import { createMapRunStop, createS3StandIns, toLocalDefinition } from '../../scripts/batch/local-definition.js';
import { ifAssigned } from '../helpers/hooks.js';
import { OrderState, startSandbox } from '../sandbox/index.js';
import type { Sandbox, WechatPayFault } from '../sandbox/index.js';
import { startS3Sandbox } from '../sandbox/s3-server.js';
import type { S3Sandbox } from '../sandbox/s3-server.js';
import { BATCH_STATE_MACHINE_ID, packagedDefinition } from './support/asl.js';
import { createLambdaStandIn, resolveFunctionArns } from './support/lambda-stand-in.js';
import type { LambdaStandIn } from './support/lambda-stand-in.js';
import { packageService, TEST_STAGE_PARAMS } from './support/package-service.js';
import type { PackagedService, Template } from './support/package-service.js';
import { runStateMachine } from './support/run-state-machine.js';
import type { Execution, TaskResolver } from './support/run-state-machine.js';

const BUCKET = 'cancel-bill-test-batch';
/** The errors the item processor ends in a failed child (StopBatch), which stops the map run. */
const STOPPING_ERRORS = ['ConfigError', 'SignatureError'];
const MACHINE_ARN = 'arn:aws:states:eu-west-1:123456789012:stateMachine:cancel-bill-dev-cancel-rental-orders-batch';

/** The template with the batch function's bucket as a literal (the stand-in runs literal environments). */
const withBucket = (template: Template): Template => {
  const copy = structuredClone(template);
  const variables = (copy.Resources.CancelBillBatchLambdaFunction?.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
  variables.BATCH_BUCKET = BUCKET;
  return copy;
};

/** The top-level states entered, in order (the executor's `path` also lists the Map's nested ones). */
const topPath = (execution: Execution): string[] =>
  execution.events.filter((event) => event.type === 'StateEntered' && event.index === undefined).map((event) => event.state?.name ?? '');

/** The rows of a CSV the report step wrote (without its byte order mark), as objects. */
const csvRows = (body: Buffer | undefined): Record<string, string>[] => {
  const [header, ...records] = parseCsv((body ?? Buffer.alloc(0)).toString('utf8').replace(/^\uFEFF/, ''));
  return records.map((record) => Object.fromEntries((header?.cells ?? []).map((column, index) => [column, record.cells[index] ?? ''])));
};

describe('infra/batch-state-machine.asl.yml, packaged and executed (aws-local-stepfunctions)', () => {
  let packaged: PackagedService;
  let sandbox: Sandbox;
  let s3: S3Sandbox;
  let cancel: LambdaStandIn;
  let cancelWithoutServiceId: LambdaStandIn;
  let batch: LambdaStandIn;
  let definition: object;
  let goodSecret: string;
  let run = 0;

  beforeAll(async () => {
    [packaged, sandbox, s3] = await Promise.all([packageService(TEST_STAGE_PARAMS), startSandbox(), startS3Sandbox([BUCKET])]);
    goodSecret = sandbox.merchantSecret('pem');
    const template = withBucket(packaged.template);
    const local = sandbox.env();
    const cancelEnv = {
      WECHATPAY_SECRET_ID: sandbox.secretId,
      WECHATPAY_APPID: sandbox.appid,
      WECHATPAY_SERVICE_ID: sandbox.serviceId,
      WECHATPAY_BASE_URL: local.WECHATPAY_BASE_URL as string,
      WECHATPAY_BACKUP_BASE_URL: local.WECHATPAY_BACKUP_BASE_URL as string,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: local.AWS_ENDPOINT_URL_SECRETS_MANAGER as string,
      NODE_EXTRA_CA_CERTS: local.NODE_EXTRA_CA_CERTS as string,
    };
    cancel = createLambdaStandIn({ template, logicalId: 'CancelBillLambdaFunction', env: cancelEnv });
    // A stage whose cancel function lost its WECHATPAY_SERVICE_ID while the batch function kept it.
    cancelWithoutServiceId = createLambdaStandIn({ template, logicalId: 'CancelBillLambdaFunction', env: { ...cancelEnv, WECHATPAY_SERVICE_ID: '' } });
    batch = createLambdaStandIn({
      template,
      logicalId: 'CancelBillBatchLambdaFunction',
      env: { AWS_ENDPOINT_URL_S3: s3.url, WECHATPAY_APPID: sandbox.appid, WECHATPAY_SERVICE_ID: sandbox.serviceId },
    });
    definition = toLocalDefinition(packagedDefinition(template, resolveFunctionArns(template), BATCH_STATE_MACHINE_ID));
  });
  afterEach(() => {
    sandbox.clearFaults();
    sandbox.secrets.setSecret(sandbox.secretId, goodSecret);
    for (const standIn of [cancel, cancelWithoutServiceId, batch]) standIn.reset();
  });
  afterAll(async () => {
    for (const standIn of [cancel, cancelWithoutServiceId, batch]) await ifAssigned(standIn)?.stop();
    await ifAssigned(sandbox)?.close();
    await ifAssigned(s3)?.close();
    await ifAssigned(packaged)?.cleanup();
  });

  /** Uploads `csv` and runs one execution; each order goes to `orders` (the cancel function by default). */
  const execute = async (csv: string, options: { orders?: LambdaStandIn } = {}): Promise<{ execution: Execution; name: string }> => {
    const name = `batch-${(run += 1)}`;
    s3.putObject(BUCKET, `inputs/${name}.csv`, csv);
    const standIns = createS3StandIns(s3, { stateMachineArn: MACHINE_ARN, mapLabel: 'CancelOrders' });
    const orders = options.orders ?? cancel;
    const mapRun = createMapRunStop();
    const cancelOne = mapRun.guard(async (input: unknown, context: Parameters<TaskResolver>[1]) => {
      try {
        return await orders.resolveTask(input, context);
      } catch (error) {
        if (STOPPING_ERRORS.includes((error as Error).name)) mapRun.stop();
        throw error;
      }
    });
    const resolveTask: TaskResolver = async (input, context) => {
      if (context.state === 'ReadItems') return standIns.readItems(input);
      if (context.state === 'WriteResults') return standIns.writeResults(input);
      return context.state === 'CancelBill' ? cancelOne(input, context) : batch.resolveTask(input, context);
    };
    // The interpreter's context object has no execution name of its own: Prepare and Report read it.
    const named = JSON.parse(JSON.stringify(definition).replaceAll('"execution.$":"$$.Execution.Name"', `"execution":"${name}"`)) as object;
    const execution = await runStateMachine({ definition: named, input: { key: `inputs/${name}.csv` }, resolveTask });
    return { execution, name };
  };

  it('cancels every order once, ends each in its outcome, and reports them all', async () => {
    // Prepare
    const seeds: [string, OrderState | undefined][] = [
      ['B-CREATED', OrderState.CREATED],
      ['B-ACCEPTED', OrderState.USER_ACCEPTED],
      ['B-REVOKED', OrderState.REVOKED],
      ['B-EXPIRED', OrderState.EXPIRED],
      ['B-FINISHED', OrderState.FINISHED],
      ['B-PAID', OrderState.USER_PAID],
      ['B-UNKNOWN', undefined],
      ['B-REFUSED', OrderState.CREATED],
      ['B-BUSY', OrderState.CREATED],
    ];
    for (const [orderNo, state] of seeds) if (state !== undefined) sandbox.seedOrder(orderNo, state);
    // A refusal (WechatPayError) for one order; SYSTEMERROR every time for another.
    sandbox.primary.faults.set({ kind: 'returnFail', msg: 'NOAUTH' } satisfies WechatPayFault, { match: (r) => r.fields?.out_order_no === 'B-REFUSED' });
    sandbox.primary.faults.set('systemError', { endpoint: 'cancelbill', match: (r) => r.fields?.out_order_no === 'B-BUSY' });
    const csv = `out_order_no,reason\r\n${seeds.map(([orderNo]) => `${orderNo},"柜门未弹出, 退款"`).join('\r\n')}\r\n`;

    // Act
    const { execution, name } = await execute(csv);

    // Assess
    expect(execution.status).toBe('SUCCEEDED');
    expect(topPath(execution)).toEqual(['Prepare', 'ReadItems', 'CancelOrders', 'WriteResults', 'Report']);
    expect(execution.output).toEqual({
      total: 9,
      counts: { cancelled: 2, already_cancelled: 2, not_cancellable: 2, not_found: 1, invalid: 0, failed: 2 },
      report: `s3://${BUCKET}/results/${name}/report.csv`,
      retry: `s3://${BUCKET}/results/${name}/retry.csv`,
    });
    const report = csvRows(s3.getObject(BUCKET, `results/${name}/report.csv`));
    expect(report.map(({ out_order_no, outcome, state, error, code }) => [out_order_no, outcome, state, error, code])).toEqual([
      ['B-CREATED', 'cancelled', 'REVOKED', '', ''],
      ['B-ACCEPTED', 'cancelled', 'REVOKED', '', ''],
      ['B-REVOKED', 'already_cancelled', 'REVOKED', '', ''],
      ['B-EXPIRED', 'already_cancelled', 'EXPIRED', '', ''],
      ['B-FINISHED', 'not_cancellable', '', 'OrderStateError', expect.any(String)],
      ['B-PAID', 'not_cancellable', '', 'OrderStateError', expect.any(String)],
      ['B-UNKNOWN', 'not_found', '', 'OrderNotFoundError', 'ORDERNOTEXIST'],
      ['B-REFUSED', 'failed', '', 'WechatPayError', 'RETURN_CODE_FAIL'],
      ['B-BUSY', 'failed', '', 'TransientError', 'SYSTEMERROR'],
    ]);
    expect(report.find((row) => row.out_order_no === 'B-CREATED')?.order_id).toBe(sandbox.orders.get('B-CREATED')?.order_id);
    expect(csvRows(s3.getObject(BUCKET, `results/${name}/retry.csv`))).toEqual([
      { out_order_no: 'B-REFUSED', reason: '柜门未弹出, 退款', service_id: '', appid: '' },
      { out_order_no: 'B-BUSY', reason: '柜门未弹出, 退款', service_id: '', appid: '' },
    ]);
    // The true state of every order, and each cancellable one cancelled by exactly one call.
    expect(seeds.map(([orderNo]) => sandbox.orders.get(orderNo)?.state)).toEqual([
      'REVOKED', 'REVOKED', 'REVOKED', 'EXPIRED', 'FINISHED', 'USER_PAID', undefined, 'CREATED', 'CREATED',
    ]);
    // The item processor is the single-order Task with its Retry: SYSTEMERROR every time is 4 calls.
    const calls = (orderNo: string) => execution.taskCalls.filter((c) => c.state === 'CancelBill' && (c.input as { Payload: { out_order_no: string } }).Payload.out_order_no === orderNo);
    expect(calls('B-BUSY')).toHaveLength(4);
    expect(calls('B-CREATED')).toHaveLength(1);
    expect(execution.durationMs).toBeGreaterThanOrEqual(35_000);
  });

  it('refuses a bad file before any order is touched, naming every bad row with its line', async () => {
    // Prepare
    sandbox.seedOrder('R-1', OrderState.CREATED);
    const csv = 'out_order_no,reason,service_id\nR-1,ok,\nR 2,ok,\nR-3,,\nR-1,again,\nR-5,ok,12a\n';

    // Act
    const { execution, name } = await execute(csv);

    // Assess
    expect(execution).toMatchObject({ status: 'FAILED', error: 'BatchFileError' });
    expect(topPath(execution)).toEqual(['Prepare']);
    expect(JSON.parse(execution.cause ?? '{}')).toEqual({
      errorType: 'BatchFileError',
      errorMessage: [
        `FILE_REFUSED: inputs/${name}.csv has 4 problems; no order was touched:`,
        'line 3: INVALID_OUT_ORDER_NO: out_order_no must be 1-32 characters of 0-9 A-Z a-z _ - | *',
        'line 4: INVALID_REASON: reason must be 1-50 characters',
        'line 5: out_order_no R-1 is also on line 2',
        'line 6: INVALID_SERVICE_ID: service_id must be 1-32 digits',
      ].join('\n'),
    });
    expect(cancel.stats().invocations).toBe(0);
    expect(sandbox.orders.get('R-1')?.state).toBe('CREATED');
    expect(s3.keys(BUCKET, `results/${name}/`)).toEqual([]);
  });

  it.each<{ error: string; prepare: () => Promise<void> }>([
    {
      error: 'ConfigError',
      // A warm container holds the good secret: the next one starts cold and reads the bad one.
      prepare: async () => {
        sandbox.secrets.setSecret(sandbox.secretId, 'not JSON');
        await cancel.recycle();
      },
    },
    {
      error: 'SignatureError',
      // A forged success (the order left open) that does not verify, also after a fresh secret.
      prepare: () => {
        sandbox.primary.faults.set('forgedSuccess', { endpoint: 'cancelbill' });
        return Promise.resolve();
      },
    },
  ])('stops the run at $error instead of failing every order, and fails the execution in BatchStopped', async ({ error, prepare }) => {
    // Prepare
    const orders = Array.from({ length: 30 }, (_, i) => `S-${error}-${i}`);
    for (const orderNo of orders) sandbox.seedOrder(orderNo, OrderState.CREATED);
    await prepare();

    // Act
    const { execution } = await execute(`out_order_no,reason\n${orders.map((o) => `${o},stop`).join('\n')}\n`);

    // Assess
    expect(execution).toMatchObject({ status: 'FAILED', error });
    expect(topPath(execution)).toEqual(['Prepare', 'ReadItems', 'CancelOrders', 'BatchStopped']);
    expect(JSON.parse(execution.cause ?? '{}')).toMatchObject({ errorType: error });
    // At most the first wave (MaxConcurrency) reached the function; the rest never did.
    expect(cancel.stats().invocations).toBeGreaterThan(0);
    expect(cancel.stats().invocations).toBeLessThanOrEqual(10);
    expect(orders.filter((orderNo) => sandbox.orders.get(orderNo)?.state !== 'CREATED')).toEqual([]);
  });

  it('records a ValidationError from the function (its defaults drifted from the batch function\'s) as invalid', async () => {
    // Prepare
    sandbox.seedOrder('V-1', OrderState.CREATED);

    // Act
    const { execution } = await execute('out_order_no,reason\nV-1,no service_id in the row\n', { orders: cancelWithoutServiceId });

    // Assess
    expect(execution.status).toBe('SUCCEEDED');
    expect((execution.output as { counts: Record<string, number> }).counts).toMatchObject({ invalid: 1, cancelled: 0 });
    expect(sandbox.orders.get('V-1')?.state).toBe('CREATED');
  });

  it('retries the prepare step after a Lambda service error, and the run completes', async () => {
    // Prepare
    sandbox.seedOrder('L-1', OrderState.CREATED);
    batch.failNext('Lambda.ServiceException');

    // Act
    const { execution } = await execute('out_order_no,reason\nL-1,late\n');

    // Assess
    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.retries).toEqual([{ state: 'Prepare', error: 'Lambda.ServiceException', retrier: 0, attempt: 1, waitMs: 1000 }]);
    expect(batch.stats()).toMatchObject({ invocations: 3, runs: 2 });
  });
});
