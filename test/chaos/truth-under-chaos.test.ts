import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey, startSandbox } from '../sandbox/index.js';
import type { OrderState, Sandbox } from '../sandbox/index.js';
import type { FaultRequest } from '../sandbox/wechatpay-faults.js';
import { ifAssigned } from '../helpers/hooks.js';
import { startLambda } from '../helpers/lambda-process.js';
import type { LambdaProcess } from '../helpers/lambda-process.js';
import { assertNoLeaks } from '../helpers/leaks.js';
import { describeAnswer, invokeUntilSettled, mapConcurrent } from './driver.js';
import { installFaultSchedule } from './fault-schedule.js';
import type { ScheduledFault } from './fault-schedule.js';
import { findViolations, isSettledAnswer } from './invariants.js';
import type { OrderRun } from './invariants.js';
import { createRandom } from './random.js';
import { countAnswers, total } from './report.js';

/** Override to replay another schedule: CHAOS_SEED=... npx vitest run test/chaos */
const SEED = process.env.CHAOS_SEED ?? 'issue-4/truth-under-chaos';
const ORDERS = 400;
const CONCURRENCY = 25;
/** The Lambda's timeout as seen through getRemainingTimeInMillis, and Step Functions' Retry. */
const POLICY = { maxRetries: 8, intervalMs: 50, timeoutMs: 4000 } as const;

const STATES: readonly { state: OrderState | undefined; weight: number }[] = [
  { state: 'CREATED', weight: 40 },
  { state: 'USER_ACCEPTED', weight: 15 },
  { state: 'FINISHED', weight: 9 },
  { state: 'USER_PAID', weight: 9 },
  { state: 'REVOKED', weight: 9 },
  { state: 'EXPIRED', weight: 8 },
  { state: undefined, weight: 10 },
];

const FAULTS: readonly ScheduledFault[] = [
  { label: 'systemError', fault: { kind: 'systemError' }, probability: 0.06 },
  { label: 'http500', fault: { kind: 'http500' }, probability: 0.04 },
  { label: 'http502', fault: { kind: 'http502' }, probability: 0.04 },
  { label: 'resetBeforeProcessing', fault: { kind: 'resetBeforeProcessing' }, probability: 0.04 },
  { label: 'resetAfterProcessing', fault: { kind: 'resetAfterProcessing' }, probability: 0.07 },
  { label: 'hang', fault: { kind: 'hang' }, probability: 0.03 },
  { label: 'slow', fault: { kind: 'slow', ms: 400 }, probability: 0.03 },
  { label: 'slowPastTimeout', fault: { kind: 'slow', ms: 2500 }, probability: 0.03 },
  { label: 'truncatedReply', fault: { kind: 'malformed' }, probability: 0.03 },
  { label: 'frequencyLimited', fault: { kind: 'frequencyLimited' }, probability: 0.02 },
];

/** How long Secrets Manager stalls after the key rotation: shorter than the callers' retries, longer than an invocation. */
const STALL_MS = 3000;

const REASONS = ['用户取消', 'device faulty', '归还后撤销', 'duplicate order'] as const;

/** Truth under chaos: random order states, random faults per request, outages and a key rotation. */
describe('chaos/truth under chaos', () => {
  let sandbox: Sandbox;
  let lambda: LambdaProcess;
  const apiKeys: string[] = [];
  const errorMessages: string[] = [];
  const lambdas: LambdaProcess[] = [];

  /** The merchant rotates its API key: stored as a new secret version, then WeChat Pay refuses the old one. */
  const rotateApiKey = (): void => {
    const next = createApiKey();
    apiKeys.push(next);
    sandbox.storeMerchantSecret('pem', { apiKey: next });
    sandbox.setApiKey(next);
  };

  beforeAll(async () => {
    sandbox = await startSandbox();
    apiKeys.push(sandbox.apiKey);
    lambda = await startLambda(sandbox.env({ WECHATPAY_TIMEOUT_MS: '1500' }));
    lambdas.push(lambda);
  });

  afterAll(async () => {
    const logs = lambdas.flatMap((started) => started.logs());
    await Promise.all(lambdas.map((started) => started.stop()));
    const startedSandbox = ifAssigned(sandbox);
    if (startedSandbox !== undefined) assertNoLeaks([...logs, ...errorMessages].join('\n'), startedSandbox, { apiKeys });
    await startedSandbox?.close();
  });

  it('answers every order truthfully under random faults, an outage and a key rotation', { timeout: 150_000 }, async () => {
    // Prepare
    const random = createRandom(SEED);
    const orders = Array.from({ length: ORDERS }, (_, index) => ({
      outOrderNo: `CHAOS-${String(index).padStart(4, '0')}`,
      initial: random.weighted(STATES).state,
      reason: REASONS[random.int(REASONS.length)] as string,
    }));
    for (const { outOrderNo, initial } of orders) if (initial !== undefined) sandbox.seedOrder(outOrderNo, initial);
    const schedule = installFaultSchedule([sandbox.primary, sandbox.backup], { seed: SEED, faults: FAULTS });
    const timeline = [
      { at: 0.2, event: 'primary down', run: () => sandbox.primary.down() },
      { at: 0.45, event: 'primary up', run: () => sandbox.primary.up() },
      // The rotation meets a Secrets Manager that accepts and never answers for a while: the fresh
      // fetch it needs must end within the invocation's deadline, and the truth must survive it.
      {
        at: 0.6,
        event: 'api key rotated, Secrets Manager stalls',
        run: async () => {
          rotateApiKey();
          sandbox.secrets.faults.set('stall');
          stallEnded = delay(STALL_MS).then(() => sandbox.secrets.faults.clear());
        },
      },
    ];
    let done = 0;
    let stallEnded: Promise<void> | undefined;
    const started = performance.now();

    // Act
    const runs = await mapConcurrent(orders, CONCURRENCY, async ({ outOrderNo, initial, reason }): Promise<OrderRun> => {
      const settled = await invokeUntilSettled(lambda, { out_order_no: outOrderNo, reason }, POLICY);
      done += 1;
      while (timeline[0] !== undefined && done / ORDERS >= timeline[0].at) await timeline.shift()?.run();
      return { outOrderNo, initial, settled };
    });
    const wallMs = performance.now() - started;
    schedule.uninstall();
    await stallEnded;

    // Assess
    for (const run of runs) for (const invocation of run.settled.invocations) if (!invocation.ok) errorMessages.push(invocation.error.message);
    const violations = runs.flatMap((run) => findViolations(run, sandbox.orders.get(run.outOrderNo), { invocationMs: POLICY.timeoutMs }));
    const unsettled = runs.filter((run) => !isSettledAnswer(run)).map((run) => `${run.outOrderNo}: ${describeAnswer(run.settled.final)}`);
    const answers = countAnswers(runs);
    const injected = schedule.injected();
    const invocations = runs.reduce((sum, run) => sum + run.settled.invocations.length, 0);
    console.log(
      `chaos seed=${SEED} orders=${ORDERS} (unseeded ${orders.filter((o) => o.initial === undefined).length}) ` +
        `invocations=${invocations} requests=${schedule.decided()} faults=${total(injected)} ${JSON.stringify(injected)} ` +
        `events=[primary down/up, api key rotation, Secrets Manager stall] answers=${JSON.stringify(answers)} ` +
        `secret_fetches=${sandbox.secrets.stats.getSecretValue} violations=${violations.length} unsettled=${unsettled.length} ` +
        `wall=${(wallMs / 1000).toFixed(1)}s`,
    );
    expect(violations).toEqual([]);
    expect(unsettled).toEqual([]);
    expect(lambda.unhandled()).toEqual([]);
    // One log line per invocation, whatever happened; every send signed afresh (the sandbox refuses a repeated nonce_str).
    expect(lambda.records().filter((record) => record.message === 'cancel-bill invocation')).toHaveLength(invocations);
    expect(sandbox.primary.stats.reusedNonces + sandbox.backup.stats.reusedNonces).toBe(0);
    // The stall was met: some fresh fetch of the secret ran out of time and answered TransientError.
    expect(lambda.records().some((record) => record.error_code === 'SECRET_FETCH_TIMEOUT')).toBe(true);
    // The chaos really happened: every fault kind, the failover and the rotation were exercised.
    for (const [label, count] of Object.entries(injected)) expect(count, label).toBeGreaterThan(0);
    expect(timeline).toEqual([]);
    expect(sandbox.backup.stats.requests.length).toBeGreaterThan(0);
    expect(sandbox.secrets.stats.getSecretValue).toBeGreaterThanOrEqual(2);
    expect(lambda.records().some((record) => record.secret_refreshed === true)).toBe(true);
  });

  it.each([
    { name: 'a cancel whose reply was lost', state: 'CREATED', cancelFault: 'resetAfterProcessing' },
    { name: 'a repeated cancel', state: 'REVOKED', cancelFault: undefined },
  ] as const)('answers $name from the order state when the key rotates just before the reconciling query', async ({ state, cancelFault }) => {
    // Prepare
    const fresh = await startLambda(sandbox.env({ WECHATPAY_TIMEOUT_MS: '1500' }));
    lambdas.push(fresh);
    const orderNo = `ROTATE-${state}`;
    sandbox.seedOrder(orderNo, state);
    const isThisOrder = (request: FaultRequest): boolean => request.fields?.out_order_no === orderNo;
    if (cancelFault !== undefined) sandbox.primary.faults.push(cancelFault, { endpoint: 'cancelbill', match: isThisOrder });
    let rotated = false;
    // A predicate that never injects anything: it rotates the key as the query arrives, before its signature is checked.
    sandbox.primary.faults.set('hang', {
      endpoint: 'queryrentbill',
      match: (request) => {
        if (!rotated && isThisOrder(request)) {
          rotated = true;
          rotateApiKey();
        }
        return false;
      },
    });

    // Act
    const outcome = await fresh.invoke({ out_order_no: orderNo, reason: 'rotation race' }, { timeoutMs: POLICY.timeoutMs });
    sandbox.primary.faults.clear();

    // Assess
    if (!outcome.ok) errorMessages.push(outcome.error.message);
    expect(rotated).toBe(true);
    expect(outcome.ok, describeAnswer(outcome)).toBe(true);
    expect(outcome).toMatchObject({ ok: true, result: { out_order_no: orderNo, state: 'REVOKED', already_cancelled: true } });
    expect(sandbox.orders.get(orderNo)).toMatchObject({ state: 'REVOKED', cancelCount: state === 'CREATED' ? 1 : 0 });
  });
});
