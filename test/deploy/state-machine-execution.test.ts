import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { OrderState, startSandbox } from '../sandbox/index.js';
import type { Sandbox, WechatPayFault } from '../sandbox/index.js';
import { ifAssigned } from '../helpers/hooks.js';
import { packagedDefinition } from './support/asl.js';
import type { AslDefinition, AslRetrier, AslState } from './support/asl.js';
import { createLambdaStandIn, LAMBDA_SERVICE_ERRORS, resolveFunctionArns } from './support/lambda-stand-in.js';
import type { LambdaStandIn } from './support/lambda-stand-in.js';
import { packageService, TEST_STAGE_PARAMS } from './support/package-service.js';
import type { PackagedService } from './support/package-service.js';
import { runStateMachine } from './support/run-state-machine.js';
import type { Execution, TaskResolver } from './support/run-state-machine.js';

const TASK = 'CancelBill';
const REASON = 'Item returned early';
/** Retrier indexes in the definition's Retry list. */
const TRANSIENT_RETRIER = 0;
const LAMBDA_RETRIER = 1;

/** A retrier's waits with its jitter at the ceiling: min(IntervalSeconds x BackoffRate^n, MaxDelaySeconds). */
const ceilingWaitsMs = (retrier: AslRetrier): number[] =>
  Array.from({ length: retrier.MaxAttempts ?? 3 }, (_, n) =>
    Math.min((retrier.IntervalSeconds ?? 1) * (retrier.BackoffRate ?? 2) ** n, retrier.MaxDelaySeconds ?? Infinity) * 1000,
  );

/** The Lambda error payload Step Functions puts in a Cause. */
const parseCause = (execution: Execution): { errorType?: string; errorMessage?: string } =>
  JSON.parse(execution.cause ?? '{}') as { errorType?: string; errorMessage?: string };

/** What the tests read of an execution, without its event log. */
const summary = (execution: Execution) => ({
  status: execution.status,
  endState: execution.endState,
  error: execution.error,
  output: execution.output,
});

describe('infra/state-machine.asl.yml, packaged and executed (aws-local-stepfunctions)', () => {
  let packaged: PackagedService;
  let sandbox: Sandbox;
  let lambda: LambdaStandIn;
  let definition: AslDefinition;
  let goodSecret: string;
  const executions: Execution[] = [];
  let counter = 0;

  beforeAll(async () => {
    [packaged, sandbox] = await Promise.all([packageService(TEST_STAGE_PARAMS), startSandbox()]);
    goodSecret = sandbox.merchantSecret('pem');
    const local = sandbox.env();
    // The template's environment, but nothing that leaves 127.0.0.1: the sandbox's endpoints and secret.
    lambda = createLambdaStandIn({
      template: packaged.template,
      logicalId: 'CancelBillLambdaFunction',
      env: {
        WECHATPAY_SECRET_ID: sandbox.secretId,
        WECHATPAY_BASE_URL: local.WECHATPAY_BASE_URL as string,
        WECHATPAY_BACKUP_BASE_URL: local.WECHATPAY_BACKUP_BASE_URL as string,
        AWS_ENDPOINT_URL_SECRETS_MANAGER: local.AWS_ENDPOINT_URL_SECRETS_MANAGER as string,
        NODE_EXTRA_CA_CERTS: local.NODE_EXTRA_CA_CERTS as string,
      },
    });
    definition = packagedDefinition(packaged.template, resolveFunctionArns(packaged.template));
  });
  afterEach(() => {
    sandbox.clearFaults();
    sandbox.secrets.setSecret(sandbox.secretId, goodSecret);
    lambda.reset();
  });
  afterAll(async () => {
    await ifAssigned(lambda)?.stop();
    await ifAssigned(sandbox)?.close();
    await ifAssigned(packaged)?.cleanup();
  });

  const task = (): AslState => definition.States[TASK] as AslState;
  const orderNo = (): string => `SFN-${(counter += 1)}`;
  const command = (outOrderNo: string) => ({ out_order_no: outOrderNo, reason: REASON, service_id: sandbox.serviceId, appid: sandbox.appid });
  const execute = async (input: unknown, options: { jitter?: number; definition?: object; resolveTask?: TaskResolver } = {}) => {
    const execution = await runStateMachine({
      definition: options.definition ?? definition,
      input,
      resolveTask: options.resolveTask ?? lambda.resolveTask,
      jitter: options.jitter,
    });
    executions.push(execution);
    return execution;
  };

  describe('end states', () => {
    it('ends a cancellation in Cancelled, with the function result as the output', async () => {
      // Prepare
      const order = sandbox.seedOrder(orderNo(), OrderState.USER_ACCEPTED);

      // Act
      const execution = await execute(command(order.out_order_no));

      // Assess
      expect(summary(execution)).toEqual({
        status: 'SUCCEEDED',
        endState: 'Cancelled',
        error: undefined,
        output: { out_order_no: order.out_order_no, order_id: order.order_id, state: 'REVOKED', already_cancelled: false },
      });
      expect(execution.path).toEqual([TASK, 'Cancelled']);
      expect(execution.taskCalls).toEqual([
        { state: TASK, call: 1, input: { FunctionName: lambda.arn, Payload: command(order.out_order_no) } },
      ]);
      expect(execution.retries).toEqual([]);
      expect(sandbox.orders.get(order.out_order_no)?.state).toBe(OrderState.REVOKED);
    });

    it('ends an already-cancelled order in Cancelled, marked already_cancelled', async () => {
      // Prepare
      const order = sandbox.seedOrder(orderNo(), OrderState.REVOKED);

      // Act
      const execution = await execute(command(order.out_order_no));

      // Assess
      expect(summary(execution)).toEqual({
        status: 'SUCCEEDED',
        endState: 'Cancelled',
        error: undefined,
        output: { out_order_no: order.out_order_no, order_id: order.order_id, state: 'REVOKED', already_cancelled: true },
      });
    });

    it.each([
      { error: 'OrderNotFoundError', code: 'ORDERNOTEXIST', seed: undefined },
      { error: 'OrderStateError', code: 'FINISHED', seed: OrderState.FINISHED },
      { error: 'OrderStateError', code: 'USER_PAID', seed: OrderState.USER_PAID },
    ])('ends $error ($code) in the Succeed state OrderNotCancellable, the input beside the error', async ({ error, code, seed }) => {
      // Prepare
      const outOrderNo = orderNo();
      if (seed !== undefined) sandbox.seedOrder(outOrderNo, seed);

      // Act
      const execution = await execute(command(outOrderNo));

      // Assess
      expect(summary(execution)).toMatchObject({ status: 'SUCCEEDED', endState: 'OrderNotCancellable' });
      const output = execution.output as { error: { Error: string; Cause: string } };
      expect(output).toEqual({ ...command(outOrderNo), error: { Error: error, Cause: expect.any(String) as string } });
      expect(JSON.parse(output.error.Cause)).toEqual({ errorType: error, errorMessage: expect.stringContaining(code) as string });
      expect(execution.retries).toEqual([]);
    });

    it.each<{ error: string; code: RegExp; prepare: (s: Sandbox, l: LambdaStandIn) => unknown; input?: (c: object) => object }>([
      { error: 'ValidationError', code: /^INVALID_REASON: /, prepare: () => undefined, input: (c) => ({ ...c, reason: '' }) },
      {
        error: 'ConfigError',
        code: /^[A-Z_]+: /,
        // A warm container holds the good secret: the next one starts cold and reads the bad one.
        prepare: async (s, l) => {
          s.secrets.setSecret(s.secretId, 'not JSON');
          await l.recycle();
        },
      },
      {
        error: 'WechatPayError',
        code: /^RETURN_CODE_FAIL: /,
        prepare: (s) => s.primary.faults.set({ kind: 'returnFail', msg: 'mch_id与appid不匹配' } satisfies WechatPayFault),
      },
      { error: 'SignatureError', code: /^SIGN_MISMATCH: /, prepare: (s) => s.primary.faults.set('forgedSuccess', { endpoint: 'cancelbill' }) },
    ])('fails $error in the Fail state CancellationFault, with the function error as the execution error', async ({ error, code, prepare, input }) => {
      // Prepare
      const order = sandbox.seedOrder(orderNo(), OrderState.USER_ACCEPTED);
      await prepare(sandbox, lambda);

      // Act
      const execution = await execute((input ?? ((c) => c))(command(order.out_order_no)));

      // Assess
      expect(summary(execution)).toEqual({ status: 'FAILED', endState: 'CancellationFault', error, output: undefined });
      expect(parseCause(execution)).toEqual({ errorType: error, errorMessage: expect.stringMatching(code) as string });
      expect(execution.caught).toEqual([{ state: TASK, error, next: 'CancellationFault' }]);
      expect(execution.retries).toEqual([]);
    });

    it.each([
      { kind: 'a JSON string', input: 'cancel 1234323JKHDFE1243252' },
      { kind: 'an array', input: [{ out_order_no: '1234323JKHDFE1243252', reason: REASON }] },
      { kind: 'a number', input: 1234323 },
      { kind: 'a boolean', input: true },
    ])('fails $kind as input with ValidationError in CancellationFault', async ({ input }) => {
      // Act
      const execution = await execute(input);

      // Assess
      expect(summary(execution)).toEqual({ status: 'FAILED', endState: 'CancellationFault', error: 'ValidationError', output: undefined });
      expect(parseCause(execution).errorType).toBe('ValidationError');
    });

    it('fails an invocation of another function as Lambda.ResourceNotFoundException in UnexpectedFailure', async () => {
      // Prepare
      const elsewhere = structuredClone(definition);
      (elsewhere.States[TASK]?.Parameters as Record<string, unknown>).FunctionName = `${lambda.arn}-other`;

      // Act
      const execution = await execute(command(orderNo()), { definition: elsewhere });

      // Assess
      expect(summary(execution)).toMatchObject({ status: 'FAILED', endState: 'UnexpectedFailure', error: 'Lambda.ResourceNotFoundException' });
      expect(lambda.stats().runs).toBe(0);
    });
  });

  describe('retries', () => {
    it('retries a TransientError once after 5 s, then ends in Cancelled', async () => {
      // Prepare
      const order = sandbox.seedOrder(orderNo(), OrderState.USER_ACCEPTED);
      sandbox.primary.faults.set('systemError', { endpoint: 'cancelbill' });
      lambda.beforeRun((run) => {
        if (run === 2) sandbox.clearFaults();
      });

      // Act
      const execution = await execute(command(order.out_order_no));

      // Assess
      expect(summary(execution)).toMatchObject({ status: 'SUCCEEDED', endState: 'Cancelled', output: { state: 'REVOKED' } });
      expect(execution.retries).toEqual([{ state: TASK, error: 'TransientError', retrier: TRANSIENT_RETRIER, attempt: 1, waitMs: 5000 }]);
      expect(lambda.stats()).toMatchObject({ invocations: 2, runs: 2 });
    });

    it('retries TransientError 3 times, waiting 5, 10 and 20 s, then fails in UnexpectedFailure', async () => {
      // Prepare
      const order = sandbox.seedOrder(orderNo(), OrderState.USER_ACCEPTED);
      sandbox.primary.faults.set('systemError', { endpoint: 'cancelbill' });

      // Act
      const execution = await execute(command(order.out_order_no));

      // Assess
      expect(summary(execution)).toEqual({ status: 'FAILED', endState: 'UnexpectedFailure', error: 'TransientError', output: undefined });
      expect(parseCause(execution).errorMessage).toMatch(/^SYSTEMERROR: /);
      expect(execution.retries.map(({ retrier, attempt, waitMs }) => ({ retrier, attempt, waitMs }))).toEqual([
        { retrier: TRANSIENT_RETRIER, attempt: 1, waitMs: 5000 },
        { retrier: TRANSIENT_RETRIER, attempt: 2, waitMs: 10_000 },
        { retrier: TRANSIENT_RETRIER, attempt: 3, waitMs: 20_000 },
      ]);
      expect(execution.retries.map(({ waitMs }) => waitMs)).toEqual(ceilingWaitsMs(task().Retry?.[TRANSIENT_RETRIER] as AslRetrier));
      expect(lambda.stats()).toMatchObject({ invocations: 4, runs: 4 });
      expect(execution.durationMs).toBe(35_000);
    });

    it('draws each wait from zero to its ceiling (full jitter): half of it with the random number at 0.5', async () => {
      // Prepare
      lambda.failNext('Lambda.ServiceException', 5);

      // Act
      const execution = await execute(command(orderNo()), { jitter: 0.5 });

      // Assess: floor(0.5 x (ceiling + 1)) ms, against ceilings of 1, 2, 4 and 8 s.
      expect(execution.retries.map(({ waitMs }) => waitMs)).toEqual([500, 1000, 2000, 4000]);
    });

    it.each(LAMBDA_SERVICE_ERRORS.map((error) => ({ error })))(
      'retries $error after 1 s without running the function, then ends in Cancelled',
      async ({ error }) => {
        // Prepare
        const order = sandbox.seedOrder(orderNo(), OrderState.USER_ACCEPTED);
        lambda.failNext(error);

        // Act
        const execution = await execute(command(order.out_order_no));

        // Assess
        expect(summary(execution)).toMatchObject({ status: 'SUCCEEDED', endState: 'Cancelled', output: { state: 'REVOKED' } });
        expect(execution.retries).toEqual([{ state: TASK, error, retrier: LAMBDA_RETRIER, attempt: 1, waitMs: 1000 }]);
        expect(lambda.stats()).toMatchObject({ invocations: 2, runs: 1 });
      },
    );

    it('retries Lambda service errors 4 times, waiting 1, 2, 4 and 8 s, then fails in UnexpectedFailure', async () => {
      // Prepare
      lambda.failNext('Lambda.TooManyRequestsException', 5);

      // Act
      const execution = await execute(command(orderNo()));

      // Assess
      expect(summary(execution)).toMatchObject({ status: 'FAILED', endState: 'UnexpectedFailure', error: 'Lambda.TooManyRequestsException' });
      expect(execution.retries.map(({ retrier, waitMs }) => ({ retrier, waitMs }))).toEqual(
        [1000, 2000, 4000, 8000].map((waitMs) => ({ retrier: LAMBDA_RETRIER, waitMs })),
      );
      expect(lambda.stats()).toMatchObject({ invocations: 5, runs: 0 });
    });

    it('counts each retrier on its own: TransientError and Lambda service errors interleaved', async () => {
      // Prepare
      const order = sandbox.seedOrder(orderNo(), OrderState.USER_ACCEPTED);
      sandbox.primary.faults.set('systemError', { endpoint: 'cancelbill' });
      lambda.beforeRun((run) => {
        if (run === 1) lambda.failNext('Lambda.ServiceException');
        if (run === 2) sandbox.clearFaults();
      });

      // Act
      const execution = await execute(command(order.out_order_no));

      // Assess
      expect(summary(execution)).toMatchObject({ status: 'SUCCEEDED', endState: 'Cancelled' });
      expect(execution.retries.map(({ error, retrier, attempt, waitMs }) => ({ error, retrier, attempt, waitMs }))).toEqual([
        { error: 'TransientError', retrier: TRANSIENT_RETRIER, attempt: 1, waitMs: 5000 },
        { error: 'Lambda.ServiceException', retrier: LAMBDA_RETRIER, attempt: 1, waitMs: 1000 },
      ]);
    });
  });

  describe('timeouts', () => {
    it('fails a function timeout as Sandbox.Timedout after the template timeout, in UnexpectedFailure, without retry', async () => {
      // Prepare
      lambda.hangNext();

      // Act
      const execution = await execute(command(sandbox.seedOrder(orderNo(), OrderState.USER_ACCEPTED).out_order_no));

      // Assess
      expect(summary(execution)).toMatchObject({ status: 'FAILED', endState: 'UnexpectedFailure', error: 'Sandbox.Timedout' });
      expect(parseCause(execution).errorMessage).toMatch(`Task timed out after ${lambda.timeoutSeconds.toFixed(2)} seconds`);
      expect(execution.durationMs).toBe(lambda.timeoutSeconds * 1000);
      expect(execution.retries).toEqual([]);
      expect(lambda.stats()).toMatchObject({ invocations: 1, timeouts: 1 });
    });

    it('starts a fresh container after a function timeout, which then cancels', async () => {
      // Prepare
      lambda.hangNext();
      await execute(command(orderNo()));
      const order = sandbox.seedOrder(orderNo(), OrderState.USER_ACCEPTED);
      const { coldStarts } = lambda.stats();

      // Act
      const execution = await execute(command(order.out_order_no));

      // Assess
      expect(summary(execution)).toMatchObject({ status: 'SUCCEEDED', endState: 'Cancelled', output: { state: 'REVOKED' } });
      expect(lambda.stats().coldStarts).toBe(coldStarts + 1);
    });

    it('reports a Task TimeoutSeconds expiry as States.Timeout, not as a function timeout', async () => {
      // Prepare: a Task timeout below the function's.
      const bounded = structuredClone(definition);
      (bounded.States[TASK] as AslState).TimeoutSeconds = lambda.timeoutSeconds - 19;
      lambda.hangNext();

      // Act
      const execution = await execute(command(orderNo()), { definition: bounded });

      // Assess
      expect(summary(execution)).toMatchObject({ status: 'FAILED', endState: 'UnexpectedFailure', error: 'States.Timeout' });
      expect(execution.durationMs).toBe((lambda.timeoutSeconds - 19) * 1000);
    });

    it('gives the longest run that can end on its own time to end before the execution TimeoutSeconds', async () => {
      // Prepare: every attempt lasts the whole function timeout, then fails with an error that is
      // retried while its retrier has attempts left (TransientError first, then Lambda service errors).
      const retriers = task().Retry ?? [];
      const budget = retriers.map((retrier) => retrier.MaxAttempts ?? 3);
      const attempts = 1 + budget.reduce((sum, n) => sum + n, 0);
      const waitsMs = retriers.flatMap(ceilingWaitsMs).reduce((sum, ms) => sum + ms, 0);
      const worstCaseMs = attempts * lambda.timeoutSeconds * 1000 + waitsMs;
      const slowest: TaskResolver = async (_input, context) => {
        await context.sleep(lambda.timeoutSeconds * 1000);
        const index = budget.findIndex((left) => left > 0);
        if (index >= 0) budget[index] = (budget[index] ?? 0) - 1;
        const error = retriers[Math.max(index, 0)]?.ErrorEquals[0] ?? 'TransientError';
        throw Object.assign(new Error(JSON.stringify({ errorType: error, errorMessage: 'SLOW: as slow as allowed' })), { name: error });
      };

      // Act
      const execution = await execute(command(orderNo()), { resolveTask: slowest });

      // Assess
      expect(attempts).toBe(8);
      expect(execution.taskCalls).toHaveLength(attempts);
      expect(execution.durationMs).toBe(worstCaseMs);
      expect(summary(execution)).toMatchObject({ status: 'FAILED', endState: 'UnexpectedFailure' });
      expect((definition.TimeoutSeconds ?? Infinity) * 1000).toBeGreaterThan(worstCaseMs);
      // ...and not much more: a stuck execution must time out (and alarm) soon after.
      expect((definition.TimeoutSeconds ?? Infinity) * 1000).toBeLessThanOrEqual(worstCaseMs + 60_000);
    });
  });

  it('puts no API key and no private key in any output, error or cause', () => {
    // Prepare
    const keyLine = sandbox.certs.clients.merchant.keyPem.split('\n')[3] ?? '';

    // Act
    const surfaces = JSON.stringify(executions.map(({ output, error, cause }) => ({ output, error, cause })));

    // Assess
    expect(executions.length).toBeGreaterThan(10);
    expect(keyLine.length).toBeGreaterThan(20);
    expect(surfaces).not.toContain(sandbox.apiKey);
    expect(surfaces).not.toContain(keyLine);
  });
});
