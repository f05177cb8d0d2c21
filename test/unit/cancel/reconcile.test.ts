import { describe, expect, it } from 'vitest';
import { answerFromState, assertSameOrder, isRefusal, orderIdFromQuery, present, queryOrder, reconcile } from '../../../lib/cancel/reconcile.js';
import type { CancelCommand } from '../../../lib/command.js';
import { ConfigError, OrderNotFoundError, OrderStateError, SignatureError, TransientError, WechatPayError } from '../../../lib/errors.js';
import { openScriptedSession } from '../../helpers/scripted-client.js';

const COMMAND: CancelCommand = {
  out_order_no: '1234323JKHDFE1243252',
  reason: '用户投诉',
  service_id: '2002000000000558128851361561536',
  appid: 'wxd678efh567hg6787',
};
const ORDER_ID = '15646546545165651651';
const stateReply = (state: string): Record<string, string> => ({ result_code: 'SUCCESS', out_order_no: COMMAND.out_order_no, state, order_id: ORDER_ID });
const systemError = () => new TransientError('SYSTEMERROR', 'busy', { phase: 'sent' });
const jitter = () => 0.5;
const AFTER = new WechatPayError('INVALID_ORDER_STATE', 'refused', { ambiguous: true });

describe('cancel/reconcile', () => {
  describe('answerFromState', () => {
    it.each(['REVOKED', 'EXPIRED'] as const)('answers a %s order as already cancelled', (state) => {
      // Act
      const answer = answerFromState(COMMAND, stateReply(state));

      // Assess
      expect(answer).toEqual({ out_order_no: COMMAND.out_order_no, order_id: ORDER_ID, state, already_cancelled: true });
    });

    it.each<{ name: string; reply: Record<string, string> }>([
      { name: 'absent', reply: { state: 'REVOKED' } },
      { name: 'empty', reply: { state: 'REVOKED', order_id: '' } },
    ])('answers an empty order_id when the query reply\'s is $name', ({ reply }) => {
      // Act / Assess
      expect(answerFromState(COMMAND, reply)?.order_id).toBe('');
    });

    it.each(['CREATED', 'USER_ACCEPTED'])('counts only CREATED and USER_ACCEPTED as still cancellable: %s gives no answer', (state) => {
      // Act / Assess
      expect(answerFromState(COMMAND, stateReply(state))).toBeUndefined();
    });

    it.each(['FINISHED', 'USER_PAID'])('refuses a %s order with OrderStateError', (state) => {
      // Act / Assess
      expect(() => answerFromState(COMMAND, stateReply(state))).toThrow(OrderStateError);
      expect(() => answerFromState(COMMAND, stateReply(state))).toThrow(
        `INVALID_ORDER_STATE: order ${COMMAND.out_order_no} is ${state} and can no longer be cancelled`,
      );
    });

    it.each([
      { name: 'a state this function does not know', reply: stateReply('PAUSED') },
      { name: 'a lower-case known state', reply: stateReply('created') },
      { name: 'an empty state', reply: stateReply('') },
      { name: 'no state', reply: { result_code: 'SUCCESS', order_id: ORDER_ID } },
    ])('keeps the truth unknown (TransientError UNKNOWN_ORDER_STATE) for $name', ({ reply }) => {
      // Act / Assess
      expect(() => answerFromState(COMMAND, reply)).toThrow(TransientError);
      expect(() => answerFromState(COMMAND, reply)).toThrow(`UNKNOWN_ORDER_STATE: queryrentbill gave no known state for ${COMMAND.out_order_no}`);
    });
  });

  describe('assertSameOrder', () => {
    it.each<{ name: string; reply: Record<string, string> }>([
      { name: 'names this order', reply: { out_order_no: COMMAND.out_order_no } },
      { name: 'names no order', reply: { result_code: 'SUCCESS' } },
    ])('passes a reply that $name', ({ reply }) => {
      // Act / Assess
      expect(assertSameOrder(COMMAND, reply)).toBe(reply);
    });

    it('refuses a signed reply about another order, as an ambiguous WechatPayError', () => {
      // Act
      const act = () => assertSameOrder(COMMAND, { out_order_no: 'ANOTHER-ORDER' });

      // Assess
      expect(act).toThrow(WechatPayError);
      expect(act).toThrow('OUT_ORDER_NO_MISMATCH: the signed reply names another order');
      expect(() => act()).toThrow(expect.objectContaining({ ambiguous: true }));
    });
  });

  describe('present', () => {
    it.each([
      { value: undefined, expected: undefined },
      { value: '', expected: undefined },
      { value: ' ', expected: ' ' },
      { value: ORDER_ID, expected: ORDER_ID },
    ])('reads $value as $expected', ({ value, expected }) => {
      // Act / Assess
      expect(present(value)).toBe(expected);
    });
  });

  describe('queryOrder', () => {
    it('asks queryrentbill with the order\'s fields only, and all the time left', async () => {
      // Prepare
      const { session, calls } = await openScriptedSession({ 'wxv/queryrentbill': [stateReply('CREATED')] }, { deadlineMs: 5000 });

      // Act
      const reply = await queryOrder(session, COMMAND, jitter);

      // Assess
      expect(reply).toEqual(stateReply('CREATED'));
      expect(calls).toEqual([
        expect.objectContaining({
          path: 'wxv/queryrentbill',
          fields: { version: '1.0', appid: COMMAND.appid, service_id: COMMAND.service_id, out_order_no: COMMAND.out_order_no },
          timeoutMs: 5000,
        }),
      ]);
    });

    it('retries the query once on a transient failure, after a backoff', async () => {
      // Prepare
      const { session, calls, clock } = await openScriptedSession({ 'wxv/queryrentbill': [systemError(), stateReply('REVOKED')] });

      // Act
      const reply = await queryOrder(session, COMMAND, jitter);

      // Assess
      expect(reply.state).toBe('REVOKED');
      expect(calls).toHaveLength(2);
      expect(clock.sleeps).toEqual([150]);
      expect(calls[1]?.at).toBe((calls[0]?.at ?? Number.NaN) + 150);
    });

    it('backs off for seconds before retrying a rate-limited query', async () => {
      // Prepare
      const limited = new TransientError('FREQUENCY_LIMITED', 'slow down', { phase: 'sent', rateLimited: true });
      const { session, clock } = await openScriptedSession({ 'wxv/queryrentbill': [limited, stateReply('REVOKED')] });

      // Act
      await queryOrder(session, COMMAND, jitter);

      // Assess
      expect(clock.sleeps).toEqual([750]);
    });

    it('does not retry the query beyond its limit of two tries', async () => {
      // Prepare
      const last = systemError();
      const { session, calls } = await openScriptedSession({ 'wxv/queryrentbill': [systemError(), last, stateReply('REVOKED')] });

      // Act
      const outcome = queryOrder(session, COMMAND, jitter);

      // Assess
      await expect(outcome).rejects.toBe(last);
      expect(calls).toHaveLength(2);
    });

    it.each<{ name: string; failure: () => Error }>([
      { name: 'a refusal', failure: () => new WechatPayError('NOAUTH', 'no') },
      { name: 'an unverifiable reply', failure: () => new SignatureError('SIGN_MISSING', 'unsigned') },
      { name: 'no such order', failure: () => new OrderNotFoundError('ORDERNOTEXIST', 'none') },
    ])('does not retry the query after $name', async ({ failure }) => {
      // Prepare
      const error = failure();
      const { session, calls } = await openScriptedSession({ 'wxv/queryrentbill': [error, stateReply('REVOKED')] });

      // Act / Assess
      await expect(queryOrder(session, COMMAND, jitter)).rejects.toBe(error);
      expect(calls).toHaveLength(1);
    });

    it('refuses a query reply about another order without retrying', async () => {
      // Prepare
      const { session, calls } = await openScriptedSession({ 'wxv/queryrentbill': [{ ...stateReply('REVOKED'), out_order_no: 'ANOTHER' }, stateReply('REVOKED')] });

      // Act / Assess
      await expect(queryOrder(session, COMMAND, jitter)).rejects.toThrow(/^OUT_ORDER_NO_MISMATCH: /);
      expect(calls).toHaveLength(1);
    });

    it('does not retry the query when the retry would not fit before the deadline', async () => {
      // Prepare: after the backoff (150 ms) less than one minimum attempt (250 ms) would be left.
      const first = systemError();
      const slow = (clock: { advance(ms: number): void }) => {
        clock.advance(1000 - 150 - 250 + 1);
        return first;
      };
      const { session, calls, clock } = await openScriptedSession({ 'wxv/queryrentbill': [slow, stateReply('REVOKED')] }, { deadlineMs: 1000 });

      // Act / Assess
      await expect(queryOrder(session, COMMAND, jitter)).rejects.toBe(first);
      expect(calls).toHaveLength(1);
      expect(clock.sleeps).toEqual([]);
    });
  });

  describe('orderIdFromQuery', () => {
    it.each([
      { name: 'the query\'s order_id', replies: [stateReply('REVOKED')], expected: ORDER_ID },
      { name: 'an empty one when the query has none', replies: [{ state: 'REVOKED' }], expected: '' },
      { name: 'an empty one when the query fails', replies: [new WechatPayError('NOAUTH', 'no')], expected: '' },
      { name: 'the order_id of a retried query', replies: [systemError(), stateReply('REVOKED')], expected: ORDER_ID },
    ])('gives $name', async ({ replies, expected }) => {
      // Prepare
      const { session } = await openScriptedSession({ 'wxv/queryrentbill': replies });

      // Act / Assess
      expect(await orderIdFromQuery(session, COMMAND, jitter)).toBe(expected);
    });
  });

  describe('reconcile', () => {
    it('answers from the order state', async () => {
      // Prepare
      const { session } = await openScriptedSession({ 'wxv/queryrentbill': [stateReply('EXPIRED')] });

      // Act / Assess
      expect(await reconcile(session, COMMAND, jitter, AFTER)).toMatchObject({ state: 'EXPIRED', already_cancelled: true });
    });

    it.each<{ name: string; failure: () => Error }>([
      { name: 'TransientError', failure: () => systemError() },
      { name: 'OrderNotFoundError', failure: () => new OrderNotFoundError('ORDERNOTEXIST', 'none') },
    ])('passes a $name of the query through', async ({ failure }) => {
      // Prepare
      const error = failure();
      const { session } = await openScriptedSession({ 'wxv/queryrentbill': [error, error] });

      // Act / Assess
      await expect(reconcile(session, COMMAND, jitter, AFTER)).rejects.toBe(error);
    });

    it('passes the OrderStateError of a finished order through', async () => {
      // Prepare
      const { session } = await openScriptedSession({ 'wxv/queryrentbill': [stateReply('FINISHED')] });

      // Act / Assess
      await expect(reconcile(session, COMMAND, jitter, AFTER)).rejects.toBeInstanceOf(OrderStateError);
    });

    it.each([
      { name: 'a refusal', failure: () => new WechatPayError('NOAUTH', 'no'), code: 'NOAUTH' },
      { name: 'a ConfigError', failure: () => new ConfigError('SECRET_INVALID', 'bad'), code: 'SECRET_INVALID' },
      { name: 'a foreign error', failure: () => new TypeError('secret text'), code: 'INTERNAL_ERROR' },
    ])('keeps the answer retryable when the query fails with $name', async ({ failure, code }) => {
      // Prepare
      const cause = failure();
      const { session } = await openScriptedSession({ 'wxv/queryrentbill': [cause] });

      // Act
      const error = await reconcile(session, COMMAND, jitter, AFTER).catch((caught: unknown) => caught as TransientError);

      // Assess
      expect(error).toBeInstanceOf(TransientError);
      expect(error).toMatchObject({
        message: `ORDER_STATE_UNKNOWN: queryrentbill could not tell the order's state after INVALID_ORDER_STATE (${code})`,
        cause,
      });
    });

    it('keeps the answer retryable when the query fails with a refusal of something else than the credentials after the fresh fetch of the secret', async () => {
      // Prepare
      const cause = new WechatPayError('NOAUTH', 'no');
      const { session } = await openScriptedSession({ 'wxv/queryrentbill': [cause] });
      session.trace.secretRefreshed = true;

      // Act
      const error = await reconcile(session, COMMAND, jitter, AFTER).catch((caught: unknown) => caught as TransientError);

      // Assess
      expect(error).toBeInstanceOf(TransientError);
      expect(error).toMatchObject({ code: 'ORDER_STATE_UNKNOWN', cause });
    });
  });

  describe('isRefusal', () => {
    it.each([
      { name: 'WechatPayError', error: new WechatPayError('PARAM_ERROR', 'x'), expected: true },
      { name: 'SignatureError', error: new SignatureError('SIGN_MISMATCH', 'x'), expected: true },
      { name: 'TransientError', error: systemError(), expected: false },
      { name: 'OrderNotFoundError', error: new OrderNotFoundError('ORDERNOTEXIST', 'x'), expected: false },
      { name: 'a foreign error', error: new Error('x'), expected: false },
    ])('says $expected for $name', ({ error, expected }) => {
      // Act / Assess
      expect(isRefusal(error)).toBe(expected);
    });
  });
});
