import { describe, expect, it } from 'vitest';
import { createCanceller } from '../../lib/cancel-bill.js';
import type { CancelTrace } from '../../lib/cancel-bill.js';
import type { CancelCommand } from '../../lib/command.js';
import {
  STALE_CONNECTION,
  ConfigError,
  OrderNotFoundError,
  OrderStateError,
  SignatureError,
  TransientError,
  WechatPayError,
} from '../../lib/errors.js';
import { createHostSelector } from '../../lib/host-selector.js';
import { classifyHttpStatus, classifyResultFail, classifyReturnFail } from '../../lib/wechatpay/outcomes.js';
import { fromXml } from '../../lib/wechatpay/xml.js';
import type { MerchantCredentials } from '../../lib/types.js';
import type { WechatPayClient } from '../../lib/wechatpay/index.js';
import { createFakeClock, fakeCredentials, fakeDeps } from '../helpers/fake-deps.js';

type Call = { at: number; baseUrl: string; path: string; fields: Record<string, string>; credentials: MerchantCredentials; timeoutMs: number };
/** A scripted reply or failure; a function runs as the call happens (to move the clock by the call's time, say). */
type Step = Record<string, string> | Error | ((clock: ReturnType<typeof createFakeClock>, call: Call) => Record<string, string> | Error);

const COMMAND: CancelCommand = {
  out_order_no: '1234323JKHDFE1243252',
  reason: '用户投诉',
  service_id: '2002000000000558128851361561536',
  appid: 'wxd678efh567hg6787',
};
const PRIMARY = 'https://primary.test';
const BACKUP = 'https://backup.test';
const REVOKED_REPLY = { result_code: 'SUCCESS', out_order_no: COMMAND.out_order_no, order_id: '15646546545165651651' };
const queryReply = (state: string): Record<string, string> => ({ result_code: 'SUCCESS', state, order_id: '15646546545165651651' });

/** A canceller over a scripted client: each call takes the next step of the script for its path. */
const setUp = (script: { cancel?: Step[]; query?: Step[] }, options: { maxAttempts?: number; backup?: string | null } = {}) => {
  const clock = createFakeClock();
  const calls: Call[] = [];
  const queues = { 'wxv/cancelbill': [...(script.cancel ?? [])], 'wxv/queryrentbill': [...(script.query ?? [])] };
  const secretFetches: boolean[] = [];
  let version = 0;
  const deps = fakeDeps({
    clock,
    secrets: {
      get: async (opts) => {
        secretFetches.push(opts?.refresh === true);
        version += 1;
        return fakeCredentials({ version: `v${version}` });
      },
    },
    hosts: createHostSelector({ primary: PRIMARY, backup: options.backup === null ? undefined : (options.backup ?? BACKUP), clock }),
  });
  const client: WechatPayClient = {
    call: async (input) => {
      const call = { ...(input as Omit<Call, 'at'>), at: clock.now() };
      calls.push(call);
      const next = queues[input.path].shift();
      if (next === undefined) throw new Error(`unscripted call to ${input.path}`);
      const step = typeof next === 'function' ? next(clock, call) : next;
      if (step instanceof Error) throw step;
      return step;
    },
  };
  const canceller = createCanceller({ ...deps, client }, { timeoutMs: 8000, maxAttempts: options.maxAttempts ?? 3 });
  const trace: CancelTrace = { attempts: 0, host: undefined, secretRefreshed: false, certNotAfter: undefined };
  const run = (deadlineMs = 60_000) => canceller.cancel(COMMAND, clock.now() + deadlineMs, trace);
  return { run, calls, trace, clock, secretFetches, hosts: deps.hosts };
};

/** The error `fromXml` throws for `text`, as the client would pass it on. */
const fromXmlError = (text: string): Error => {
  try {
    fromXml(text);
  } catch (error) {
    return error as Error;
  }
  throw new Error('the XML was accepted');
};
/** A business refusal as the client makes it from a reply: classified by the one table (flags included). */
const refusal = (code: string, detail: string): Error => classifyResultFail({ result_code: 'FAIL', err_code: code, err_code_des: detail });
const systemError = () => new TransientError('SYSTEMERROR', 'busy', { phase: 'sent' });
const refused = () => new TransientError('CONNECTION_REFUSED', 'refused', { phase: 'connect' });

describe('cancel-bill', () => {
  it('cancels a cancellable order in one signed call', async () => {
    // Prepare
    const { run, calls, trace } = setUp({ cancel: [REVOKED_REPLY] });

    // Act
    const result = await run();

    // Assess
    expect(result).toEqual({ out_order_no: COMMAND.out_order_no, order_id: '15646546545165651651', state: 'REVOKED', already_cancelled: false });
    expect(calls).toHaveLength(1);
    expect(calls[0]?.fields).toEqual({ version: '1.0', ...COMMAND });
    expect(trace).toMatchObject({ attempts: 1, host: 'primary' });
  });

  it.each([
    { name: 'REVOKED after INVALID_ORDER_STATE', code: 'INVALID_ORDER_STATE', state: 'REVOKED' },
    { name: 'EXPIRED after PARAM_ERROR', code: 'PARAM_ERROR', state: 'EXPIRED' },
  ])('answers $name from queryrentbill as already cancelled', async ({ code, state }) => {
    // Prepare
    const { run, calls } = setUp({ cancel: [refusal(code, 'refused')], query: [queryReply(state)] });

    // Act
    const result = await run();

    // Assess
    expect(result).toMatchObject({ state, already_cancelled: true, order_id: '15646546545165651651' });
    expect(calls.map((c) => c.path)).toEqual(['wxv/cancelbill', 'wxv/queryrentbill']);
    expect(calls[1]?.fields).toEqual({ version: '1.0', appid: COMMAND.appid, service_id: COMMAND.service_id, out_order_no: COMMAND.out_order_no });
  });

  it.each(['FINISHED', 'USER_PAID'])('turns a refusal on a %s order into OrderStateError', async (state) => {
    // Prepare
    const { run } = setUp({ cancel: [refusal('INVALID_ORDER_STATE', 'refused')], query: [queryReply(state)] });

    // Act
    const outcome = run();

    // Assess
    await expect(outcome).rejects.toThrow(OrderStateError);
    await expect(outcome).rejects.toThrow(/^INVALID_ORDER_STATE: .*can no longer be cancelled/);
  });

  it('keeps a genuine PARAM_ERROR when the order is still cancellable', async () => {
    // Prepare
    const { run } = setUp({ cancel: [refusal('PARAM_ERROR', 'bad')], query: [queryReply('CREATED')] });

    // Act / Assess
    await expect(run()).rejects.toThrow(/^PARAM_ERROR: bad/);
  });

  it('never answers from a query reply about another order, and keeps the answer retryable', async () => {
    // Prepare
    const foreign = { ...queryReply('REVOKED'), out_order_no: 'SOMEONE-ELSE' };
    const { run } = setUp({ cancel: [refusal('PARAM_ERROR', 'refused')], query: [foreign] });

    // Act / Assess
    const error = await run().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TransientError);
    expect((error as Error).message).toMatch(/^ORDER_STATE_UNKNOWN: .*\(OUT_ORDER_NO_MISMATCH\)/);
  });

  it('passes OrderNotFoundError through without retrying', async () => {
    // Prepare
    const { run, calls } = setUp({ cancel: [new OrderNotFoundError('ORDERNOTEXIST', 'no such order')] });

    // Act / Assess
    await expect(run()).rejects.toThrow(OrderNotFoundError);
    expect(calls).toHaveLength(1);
  });

  it('retries SYSTEMERROR with backoff and succeeds', async () => {
    // Prepare
    const { run, calls, clock } = setUp({ cancel: [systemError(), systemError(), REVOKED_REPLY] });

    // Act
    const result = await run();

    // Assess
    expect(result.already_cancelled).toBe(false);
    expect(calls).toHaveLength(3);
    // 200 ms doubling, half fixed and half random (the fake random is 0.5).
    expect(clock.sleeps).toEqual([150, 300]);
  });

  it('asks queryrentbill after the last sent-phase failure and reports a revoked order as cancelled', async () => {
    // Prepare
    const { run, calls } = setUp({ cancel: [systemError(), systemError(), systemError()], query: [queryReply('REVOKED')] });

    // Act
    const result = await run();

    // Assess
    expect(result).toMatchObject({ state: 'REVOKED', already_cancelled: true });
    expect(calls.map((c) => c.path)).toEqual(['wxv/cancelbill', 'wxv/cancelbill', 'wxv/cancelbill', 'wxv/queryrentbill']);
  });

  it('throws the TransientError when retries run out and the order is still open', async () => {
    // Prepare
    const { run } = setUp({ cancel: [systemError(), systemError(), systemError()], query: [queryReply('CREATED')] });

    // Act / Assess
    await expect(run()).rejects.toThrow(TransientError);
  });

  it('moves to the backup host after a connection-level failure and stays there', async () => {
    // Prepare
    const { run, calls, trace, clock } = setUp({ cancel: [refused(), REVOKED_REPLY] });

    // Act
    await run();

    // Assess
    expect(calls.map((c) => c.baseUrl)).toEqual([PRIMARY, BACKUP]);
    expect(trace.host).toBe('backup');
    expect(clock.sleeps).toEqual([]);
  });

  it('does not switch hosts after a read timeout', async () => {
    // Prepare
    const timeout = new TransientError('READ_TIMEOUT', 'slow', { phase: 'sent' });
    const { run, calls } = setUp({ cancel: [timeout, REVOKED_REPLY] });

    // Act
    await run();

    // Assess
    expect(calls.map((c) => c.baseUrl)).toEqual([PRIMARY, PRIMARY]);
  });

  it.each([
    { name: 'SIGNERROR', error: () => refusal('SIGNERROR', '签名错误') },
    { name: 'certificate refusal', error: () => classifyHttpStatus(400, 'No required SSL certificate was sent') as Error },
  ])('fetches the secret afresh once after a $name and retries', async ({ error }) => {
    // Prepare
    const { run, calls, secretFetches, trace } = setUp({ cancel: [error(), REVOKED_REPLY] }, { maxAttempts: 1 });

    // Act
    await run();

    // Assess
    expect(secretFetches).toEqual([false, true]);
    expect(calls.map((c) => c.credentials.version)).toEqual(['v1', 'v2']);
    expect(trace.secretRefreshed).toBe(true);
  });

  it('refreshes the secret when the key rotates between the cancel and its query', async () => {
    // Prepare
    const { run, calls, secretFetches } = setUp({
      cancel: [refusal('INVALID_ORDER_STATE', 'refused')],
      query: [refusal('SIGNERROR', '签名错误'), queryReply('REVOKED')],
    });

    // Act
    const result = await run();

    // Assess
    expect(result).toMatchObject({ state: 'REVOKED', already_cancelled: true });
    expect(secretFetches).toEqual([false, true]);
    expect(calls.map((c) => `${c.path} ${c.credentials.version}`)).toEqual(['wxv/cancelbill v1', 'wxv/queryrentbill v1', 'wxv/queryrentbill v2']);
  });

  it('refreshes the secret only once when the refusal persists', async () => {
    // Prepare
    const { run, secretFetches } = setUp({
      cancel: [refusal('SIGNERROR', 'x'), refusal('SIGNERROR', 'x')],
    });

    // Act / Assess
    await expect(run()).rejects.toThrow(/^SIGNERROR/);
    expect(secretFetches).toEqual([false, true]);
  });

  it.each([
    { name: 'SignatureError', error: new SignatureError('SIGN_MISSING', 'a success reply carries no sign') },
    { name: 'NOAUTH', error: refusal('NOAUTH', 'no permission') },
  ])('does not retry a $name', async ({ error }) => {
    // Prepare: an unsigned reply may stand for an applied cancel, so the query is asked; the order is still open.
    const { run, calls } = setUp({ cancel: [error], query: [queryReply('CREATED')] });

    // Act / Assess
    await expect(run()).rejects.toBe(error);
    expect(calls.filter((call) => call.path === 'wxv/cancelbill')).toHaveLength(1);
  });

  it('propagates a ConfigError from the secret', async () => {
    // Prepare
    const clock = createFakeClock();
    const deps = fakeDeps({
      clock,
      secrets: { get: async () => Promise.reject(new ConfigError('SECRET_NOT_FOUND', 'missing')) },
      hosts: createHostSelector({ primary: PRIMARY, backup: undefined, clock }),
    });
    const canceller = createCanceller({ ...deps, client: { call: async () => REVOKED_REPLY } }, { timeoutMs: 1000, maxAttempts: 3 });

    // Act / Assess
    await expect(canceller.cancel(COMMAND, clock.now() + 5000, { attempts: 0, host: undefined, secretRefreshed: false, certNotAfter: undefined })).rejects.toThrow(
      ConfigError,
    );
  });

  it('never lets an attempt run past the deadline', async () => {
    // Prepare
    const { run, calls, clock } = setUp({ cancel: [systemError(), systemError(), systemError()], query: [queryReply('CREATED')] });
    const deadline = clock.now() + 2600;

    // Act
    const outcome = run(2600);

    // Assess
    await expect(outcome).rejects.toThrow(TransientError);
    expect(calls.filter((call) => call.path === 'wxv/cancelbill')).toHaveLength(2);
    for (const call of calls) expect(call.at + call.timeoutMs).toBeLessThanOrEqual(deadline);
    expect(calls.at(-1)?.path).toBe('wxv/queryrentbill');
  });

  it('keeps time for the query after the last attempt times out', async () => {
    // Prepare
    const timeout = () => new TransientError('READ_TIMEOUT', 'slow', { phase: 'sent' });
    const { run, calls } = setUp({ cancel: [timeout(), timeout(), timeout()], query: [queryReply('REVOKED')] });

    // Act
    const result = await run(24_000);

    // Assess
    expect(result).toMatchObject({ state: 'REVOKED', already_cancelled: true });
    expect(calls.at(-1)?.path).toBe('wxv/queryrentbill');
    expect(calls.at(-1)?.timeoutMs).toBeGreaterThanOrEqual(2000);
  });

  it('answers from queryrentbill when an unknown refusal follows an attempt whose outcome was lost', async () => {
    // Prepare
    const lost = new TransientError('READ_TIMEOUT', 'slow', { phase: 'sent' });
    const { run } = setUp({ cancel: [lost, refusal('ORDER_ALREADY_REVOKED', 'done')], query: [queryReply('REVOKED')] });

    // Act
    const result = await run();

    // Assess
    expect(result).toMatchObject({ state: 'REVOKED', already_cancelled: true });
  });

  it('keeps the secret refresh available when the refresh itself fails transiently', async () => {
    // Prepare
    const clock = createFakeClock();
    const fetches: boolean[] = [];
    const steps: (Record<string, string> | Error)[] = [refusal('SIGNERROR', 'x'), refusal('SIGNERROR', 'x'), REVOKED_REPLY];
    let version = 0;
    const deps = fakeDeps({
      clock,
      secrets: {
        get: async (opts) => {
          fetches.push(opts?.refresh === true);
          if (opts?.refresh === true && fetches.filter(Boolean).length === 1) throw new TransientError('SECRET_FETCH_FAILED', 'blip', { phase: 'connect' });
          version += 1;
          return fakeCredentials({ version: `v${version}` });
        },
      },
      hosts: createHostSelector({ primary: PRIMARY, backup: undefined, clock }),
    });
    const client: WechatPayClient = {
      call: async () => {
        const step = steps.shift();
        if (step instanceof Error) throw step;
        return step ?? {};
      },
    };
    const canceller = createCanceller({ ...deps, client }, { timeoutMs: 8000, maxAttempts: 3 });

    // Act
    const result = await canceller.cancel(COMMAND, clock.now() + 60_000, { attempts: 0, host: undefined, secretRefreshed: false, certNotAfter: undefined });

    // Assess
    expect(result.state).toBe('REVOKED');
    expect(fetches).toEqual([false, true, true]);
  });

  it('bounds each attempt by the configured timeout', async () => {
    // Prepare
    const { run, calls } = setUp({ cancel: [REVOKED_REPLY] });

    // Act
    await run(60_000);

    // Assess
    expect(calls[0]?.timeoutMs).toBe(8000);
  });
  it('keeps time back for the query that may follow a cancel attempt', async () => {
    // Prepare: each cancel attempt runs until its own timeout; 12 s are left.
    const timesOut = (clock: { advance(ms: number): void }, call: Call) => {
      clock.advance(call.timeoutMs);
      return new TransientError('READ_TIMEOUT', 'no reply', { phase: 'sent' });
    };
    const { run, calls } = setUp({ cancel: [timesOut, timesOut, timesOut], query: [queryReply('REVOKED')] });

    // Act
    const result = await run(12_000);

    // Assess: 8 s, then 1.85 s (after a 150 ms backoff), each leaving 2 s; the query gets them.
    expect(result).toMatchObject({ state: 'REVOKED', already_cancelled: true });
    expect(calls.map((call) => `${call.path} ${call.timeoutMs}`)).toEqual(['wxv/cancelbill 8000', 'wxv/cancelbill 1850', 'wxv/queryrentbill 2000']);
  });

  it('backs off between connection failures when there is no backup host', async () => {
    // Prepare
    const { run, calls, clock } = setUp({ cancel: [refused(), refused(), REVOKED_REPLY] }, { backup: null });

    // Act
    await run();

    // Assess
    expect(calls.map((c) => c.baseUrl)).toEqual([PRIMARY, PRIMARY, PRIMARY]);
    expect(clock.sleeps).toEqual([150, 300]);
  });

  it.each([
    { name: 'a connection failure', failure: refused, hosts: [PRIMARY, BACKUP, PRIMARY] },
    { name: 'a failure after the request was sent', failure: systemError, hosts: [PRIMARY, BACKUP, BACKUP] },
  ])('backs off after $name on the backup host', async ({ failure, hosts }) => {
    // Prepare
    const { run, calls, clock } = setUp({ cancel: [refused(), failure(), REVOKED_REPLY] });

    // Act
    await run();

    // Assess: the move to the backup went at once; the backup's failure waits (attempt 2: 300 ms).
    expect(calls.map((c) => c.baseUrl)).toEqual(hosts);
    expect(clock.sleeps).toEqual([300]);
  });

  it('does not retry a connection failure past the last attempt, even with a backup to move to', async () => {
    // Prepare
    const last = refused();
    const { run, calls } = setUp({ cancel: [last] }, { maxAttempts: 1 });

    // Act / Assess
    await expect(run()).rejects.toBe(last);
    expect(calls).toHaveLength(1);
  });

  it('keeps a refusal standing when queryrentbill finds the order USER_ACCEPTED, still cancellable', async () => {
    // Prepare
    const { run, calls } = setUp({ cancel: [refusal('PARAM_ERROR', 'bad')], query: [queryReply('USER_ACCEPTED')] });

    // Act
    const error = await run().catch((caught: unknown) => caught);

    // Assess
    expect(error).toBeInstanceOf(WechatPayError);
    expect((error as Error).message).toBe('PARAM_ERROR: bad');
    expect(calls.map((c) => c.path)).toEqual(['wxv/cancelbill', 'wxv/queryrentbill']);
  });

  it('does not ask queryrentbill when no cancel was sent', async () => {
    // Prepare
    const { run, calls } = setUp({ cancel: [refused(), refused(), refused()] });

    // Act / Assess
    await expect(run()).rejects.toThrow(/^CONNECTION_REFUSED: /);
    expect(calls.map((c) => c.path)).toEqual(['wxv/cancelbill', 'wxv/cancelbill', 'wxv/cancelbill']);
  });

  it('moves at once only after a connection failure, not after a sent request failed while another invocation moved the hosts', async () => {
    // Prepare: during this attempt on the primary, another invocation in the container fails to
    // connect to it, so new attempts go to the backup; this attempt's own failure came after the send.
    const other: { selector?: ReturnType<typeof setUp>['hosts'] } = {};
    const failsAfterOtherMoved = () => {
      other.selector?.reportConnectFailure('primary');
      return systemError();
    };
    const scripted = setUp({ cancel: [failsAfterOtherMoved, REVOKED_REPLY] });
    other.selector = scripted.hosts;

    // Act
    await scripted.run();

    // Assess
    expect(scripted.calls.map((c) => c.baseUrl)).toEqual([PRIMARY, BACKUP]);
    expect(scripted.clock.sleeps).toEqual([150]);
  });

  it('answers the order\'s final state when the retries ran out and the query finds it FINISHED', async () => {
    // Prepare
    const { run } = setUp({ cancel: [systemError(), systemError(), systemError()], query: [queryReply('FINISHED')] });

    // Act / Assess
    await expect(run()).rejects.toThrow(OrderStateError);
  });

  it('keeps the last cancel failure when the query after the retries fails too', async () => {
    // Prepare
    const last = systemError();
    const { run, calls } = setUp({ cancel: [systemError(), systemError(), last], query: [systemError(), systemError()] });

    // Act / Assess
    await expect(run()).rejects.toBe(last);
    expect(calls.filter((call) => call.path === 'wxv/queryrentbill')).toHaveLength(2);
  });

  describe('issue: never fail a cancelled order, never outlive the deadline', () => {
    const stale = () => new TransientError(STALE_CONNECTION, 'the kept-alive connection was closed (ECONNRESET)', { phase: 'sent' });
    const readTimeout = (ms: number) => (clock: { advance(ms: number): void }) => {
      clock.advance(ms);
      return new TransientError('READ_TIMEOUT', 'no reply', { phase: 'sent' });
    };

    it('sends a dead kept-alive connection\'s request again at once as a new call, and reconciles the refusal that follows', async () => {
      // Prepare: the first copy was applied; the new request meets a refusal (a repeat, or a refused nonce).
      const { run, calls, clock } = setUp({ cancel: [stale(), refusal('INVALID_REQUEST', 'nonce_str重复')], query: [queryReply('REVOKED')] });
      const before = clock.now();

      // Act
      const result = await run();

      // Assess
      expect(result).toMatchObject({ state: 'REVOKED', already_cancelled: true });
      expect(calls.map((call) => call.path)).toEqual(['wxv/cancelbill', 'wxv/cancelbill', 'wxv/queryrentbill']);
      expect(calls[1]?.at).toBe(before);
    });

    it('resends on a dead kept-alive connection only once per call', async () => {
      // Prepare
      const { run, calls } = setUp({ cancel: [stale(), stale()], query: [queryReply('CREATED')] }, { maxAttempts: 1 });

      // Act / Assess
      await expect(run()).rejects.toThrow(/^STALE_CONNECTION: /);
      expect(calls.filter((call) => call.path === 'wxv/cancelbill')).toHaveLength(2);
    });

    it('asks queryrentbill after a read timeout even when the cancel\'s own deadline check ends the retries', async () => {
      // Prepare: 10 s left; the cancel times out after 7 s (applied), then a slow connect failure
      // fails over, and the backup attempt no longer fits before the query's reserve.
      const connectTimeout = (clock: { advance(ms: number): void }) => {
        clock.advance(700);
        return new TransientError('CONNECT_TIMEOUT', 'no connection', { phase: 'connect' });
      };
      const { run, calls } = setUp({ cancel: [readTimeout(7000), connectTimeout], query: [queryReply('REVOKED')] });

      // Act
      const result = await run(10_000);

      // Assess
      expect(result).toMatchObject({ state: 'REVOKED', already_cancelled: true });
      expect(calls.at(-1)?.path).toBe('wxv/queryrentbill');
    });

    it.each([
      { name: 'after the retries ran out', cancel: [systemError(), systemError()], expected: /^SYSTEMERROR: / },
      { name: 'after an ambiguous refusal', cancel: [refusal('INVALID_ORDER_STATE', 'refused')], expected: /^UNKNOWN_ORDER_STATE: / },
    ])('keeps the answer retryable when the query reply has no state $name', async ({ cancel, expected }) => {
      // Prepare
      const stateless = { result_code: 'SUCCESS', out_order_no: COMMAND.out_order_no, order_id: '15646546545165651651' };
      const { run } = setUp({ cancel, query: [stateless, stateless] }, { maxAttempts: 2 });

      // Act / Assess
      const error = await run().catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(TransientError);
      expect((error as Error).message).toMatch(expected);
    });

    it('treats an empty order_id in the cancel reply as absent and takes it from queryrentbill', async () => {
      // Prepare
      const { run, calls } = setUp({ cancel: [{ ...REVOKED_REPLY, order_id: '' }], query: [queryReply('REVOKED')] });

      // Act
      const result = await run();

      // Assess
      expect(result.order_id).toBe('15646546545165651651');
      expect(calls.map((call) => call.path)).toEqual(['wxv/cancelbill', 'wxv/queryrentbill']);
    });

    it('takes the order_id from queryrentbill when the cancel reply has none', async () => {
      // Prepare
      const { withoutId } = { withoutId: { result_code: 'SUCCESS', out_order_no: COMMAND.out_order_no } };
      const { run } = setUp({ cancel: [withoutId], query: [queryReply('REVOKED')] });

      // Act / Assess
      expect((await run()).order_id).toBe('15646546545165651651');
    });

    it('fetches the secret afresh once after a reply that does not verify, then answers from the order state', async () => {
      // Prepare: the cancel was applied, its reply signed with a key we did not hold yet.
      const mismatch = new SignatureError('SIGN_MISMATCH', 'does not verify', { credentialRefusal: true });
      const { run, secretFetches } = setUp({ cancel: [mismatch, refusal('INVALID_ORDER_STATE', 'refused')], query: [queryReply('REVOKED')] });

      // Act
      const result = await run();

      // Assess
      expect(result).toMatchObject({ state: 'REVOKED', already_cancelled: true });
      expect(secretFetches).toEqual([false, true]);
    });

    it('answers SignatureError when replies still do not verify after the fresh fetch', async () => {
      // Prepare
      const mismatch = () => new SignatureError('SIGN_MISMATCH', 'does not verify', { credentialRefusal: true });
      const { run, secretFetches } = setUp({ cancel: [mismatch(), mismatch()], query: [queryReply('CREATED')] });

      // Act / Assess
      await expect(run()).rejects.toBeInstanceOf(SignatureError);
      expect(secretFetches).toEqual([false, true]);
    });

    it('skips the fresh fetch of the secret when it cannot fit before the deadline', async () => {
      // Prepare
      const late = (clock: { advance(ms: number): void }) => {
        clock.advance(9700);
        return refusal('SIGNERROR', '签名错误');
      };
      const { run, secretFetches } = setUp({ cancel: [late] });

      // Act / Assess
      await expect(run(10_000)).rejects.toThrow(/^DEADLINE_EXCEEDED: /);
      expect(secretFetches).toEqual([false]);
    });

    it('bounds the secret fetch by the deadline', async () => {
      // Prepare
      const { run, clock } = setUp({ cancel: [REVOKED_REPLY] });
      const deadlines: (number | undefined)[] = [];
      const deps = fakeDeps({
        clock,
        secrets: { get: async (options) => (deadlines.push(options?.deadline), fakeCredentials()) },
        hosts: createHostSelector({ primary: PRIMARY, backup: undefined, clock }),
      });
      const canceller = createCanceller({ ...deps, client: { call: async () => REVOKED_REPLY } }, { timeoutMs: 8000, maxAttempts: 3 });

      // Act
      await canceller.cancel(COMMAND, clock.now() + 5000, { attempts: 0, host: undefined, secretRefreshed: false, certNotAfter: undefined });
      await run();

      // Assess: the fetch must leave time for one attempt.
      expect(deadlines).toEqual([clock.now() + 5000 - 250]);
    });
    it('answers from queryrentbill when the cancel reply is unsigned and the order was in fact revoked', async () => {
      // Prepare
      const { run } = setUp({ cancel: [new SignatureError('SIGN_MISSING', 'a success reply carries no sign')], query: [queryReply('REVOKED')] });

      // Act
      const result = await run();

      // Assess: the unsigned reply itself is never taken as success; the verified query is.
      expect(result).toMatchObject({ state: 'REVOKED', already_cancelled: true, order_id: '15646546545165651651' });
    });

    it.each([
      { name: 'a refusal of the reply\'s shape', failure: () => fromXmlError('<!DOCTYPE xml><xml></xml>') },
      { name: 'a signed reply about another merchant', failure: () => new WechatPayError('MCH_ID_MISMATCH', 'x', { ambiguous: true }) },
    ])('answers from queryrentbill after $name to a cancel', async ({ failure }) => {
      // Prepare
      const { run, calls } = setUp({ cancel: [failure()], query: [queryReply('REVOKED')] });

      // Act
      const result = await run();

      // Assess
      expect(result).toMatchObject({ state: 'REVOKED', already_cancelled: true });
      expect(calls.map((call) => call.path)).toEqual(['wxv/cancelbill', 'wxv/queryrentbill']);
    });

    it.each([
      { name: 'return_code=FAIL System Error', failure: () => classifyReturnFail({ return_code: 'FAIL', return_msg: 'System Error' }) },
      { name: 'an unsigned reply', failure: () => new SignatureError('SIGN_MISSING', 'a success reply carries no sign') },
    ])('keeps the answer retryable when the reconciling query fails with $name', async ({ failure }) => {
      // Prepare
      const { run } = setUp({ cancel: [refusal('INVALID_ORDER_STATE', 'refused')], query: [failure()] });

      // Act
      const error = await run().catch((caught: unknown) => caught);

      // Assess
      expect(error).toBeInstanceOf(TransientError);
      expect((error as Error).message).toMatch(/^ORDER_STATE_UNKNOWN: queryrentbill could not tell the order's state after INVALID_ORDER_STATE/);
    });
  });
  describe('second outside review', () => {
    it('takes an empty out_order_no echo in a verified cancel reply as absent: this call cancelled the order', async () => {
      // Prepare
      const { run, calls } = setUp({ cancel: [{ ...REVOKED_REPLY, out_order_no: '' }] });

      // Act
      const result = await run();

      // Assess
      expect(result).toMatchObject({ state: 'REVOKED', already_cancelled: false, order_id: '15646546545165651651' });
      expect(calls).toHaveLength(1);
    });

    it('sends the cancel with the time left when the query reserve does not fit beside a minimum attempt', async () => {
      // Prepare: 2 s to the deadline, less than the 2 s reserve plus a 250 ms attempt.
      const { run, calls } = setUp({ cancel: [REVOKED_REPLY] });

      // Act
      const result = await run(2000);

      // Assess
      expect(result).toMatchObject({ state: 'REVOKED', already_cancelled: false });
      expect(calls[0]?.timeoutMs).toBe(2000);
    });

    it('keeps the reserve for the query once a send\'s outcome is unknown', async () => {
      // Prepare: the first attempt is lost after 500 ms; 1.5 s is left, not enough for another attempt beside the reserve.
      const lost = (clock: { advance(ms: number): void }) => {
        clock.advance(500);
        return new TransientError('CONNECTION_RESET', 'lost', { phase: 'sent' });
      };
      const { run, calls } = setUp({ cancel: [lost], query: [queryReply('REVOKED')] });

      // Act
      const result = await run(2000);

      // Assess: no second cancel; the query tells.
      expect(result).toMatchObject({ state: 'REVOKED', already_cancelled: true });
      expect(calls.map((call) => call.path)).toEqual(['wxv/cancelbill', 'wxv/queryrentbill']);
    });

    it('answers the credential refusal itself when the reconciling query is refused again after the fresh fetch', async () => {
      // Prepare: replies signed by a key the function does not hold, even after the fresh fetch.
      const mismatch = () => new SignatureError('SIGN_MISMATCH', 'does not verify', { credentialRefusal: true });
      const { run, trace } = setUp({ cancel: [mismatch(), mismatch()], query: [mismatch()] });

      // Act
      const error = await run().catch((caught: unknown) => caught);

      // Assess: a person must act (SignatureError, not retryable), and the trace says the secret was fetched afresh.
      expect(error).toBeInstanceOf(SignatureError);
      expect(trace.secretRefreshed).toBe(true);
    });
  });
});
