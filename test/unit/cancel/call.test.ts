import { describe, expect, it } from 'vitest';
import { callWechat, openSession } from '../../../lib/cancel/call.js';
import type { CancelTrace } from '../../../lib/cancel/call.js';
import { callLimits } from '../../../lib/cancel/retry-policy.js';
import { OrderNotFoundError, SignatureError, STALE_CONNECTION, TransientError, WechatPayError } from '../../../lib/errors.js';
import { createHostSelector } from '../../../lib/host-selector.js';
import type { WechatPayPath } from '../../../lib/wechatpay/index.js';
import { createFakeClock, fakeCredentials } from '../../helpers/fake-deps.js';
import { BACKUP, PRIMARY, createScriptedClient, openScriptedSession } from '../../helpers/scripted-client.js';
import type { Step } from '../../helpers/scripted-client.js';

const FIELDS = { version: '1.0', out_order_no: '1234323JKHDFE1243252' };
const OK = { result_code: 'SUCCESS' };
const CANCEL: WechatPayPath = 'wxv/cancelbill';
const QUERY: WechatPayPath = 'wxv/queryrentbill';
const signError = () => new WechatPayError('SIGNERROR', '签名错误', { credentialRefusal: true });
const stale = () => new TransientError(STALE_CONNECTION, 'closed', { phase: 'sent' });

/** The error `promise` rejects with. */
const failureOf = (promise: Promise<unknown>): Promise<unknown> => promise.then(() => new Error('the call succeeded'), (error: unknown) => error);

describe('cancel/call', () => {
  describe('openSession', () => {
    it('fetches the secret leaving one attempt before the deadline, and notes the certificate\'s expiry', async () => {
      // Prepare
      const clock = createFakeClock();
      const deadlines: (number | undefined)[] = [];
      const credentials = fakeCredentials({ certNotAfter: new Date(Date.UTC(2030, 0, 1)) });
      const secrets = { get: async (options?: { deadline?: number }) => (deadlines.push(options?.deadline), credentials) };
      const trace: CancelTrace = { attempts: 0, host: undefined, secretRefreshed: false, certNotAfter: undefined };
      const { client } = createScriptedClient(clock, {});
      const hosts = createHostSelector({ primary: PRIMARY, backup: undefined, clock });

      // Act
      const session = await openSession({ client, secrets, hosts, clock }, callLimits({ timeoutMs: 8000, maxAttempts: 3 }), clock.now() + 5000, trace);

      // Assess
      expect(deadlines).toEqual([clock.now() + 5000 - 250]);
      expect(trace.certNotAfter).toEqual(new Date(Date.UTC(2030, 0, 1)));
      expect(session).toMatchObject({ credentials, deadline: clock.now() + 5000, unseenSend: false, trace });
    });
  });

  describe('callWechat', () => {
    it('returns the reply, counting the attempt and its host', async () => {
      // Prepare
      const { session, calls, trace } = await openScriptedSession({ [CANCEL]: [OK] });

      // Act
      const reply = await callWechat(session, CANCEL, FIELDS, 0);

      // Assess
      expect(reply).toBe(OK);
      expect(calls).toEqual([expect.objectContaining({ baseUrl: PRIMARY, path: CANCEL, fields: FIELDS, credentials: session.credentials, timeoutMs: 8000 })]);
      expect(trace).toMatchObject({ attempts: 1, host: 'primary' });
    });

    it('bounds the attempt by the deadline less the time kept back for what follows', async () => {
      // Prepare
      const { session, calls } = await openScriptedSession({ [CANCEL]: [OK] }, { deadlineMs: 9000 });

      // Act
      await callWechat(session, CANCEL, FIELDS, 2000);

      // Assess
      expect(calls[0]?.timeoutMs).toBe(7000);
    });

    it.each([
      { name: 'exactly the minimum attempt (250 ms) is left beside the reserve', reserve: 9000 - 250, unseen: true, sent: true },
      { name: 'exactly the minimum attempt is left beside the reserve, with nothing yet to reconcile (the reserve is kept)', reserve: 9000 - 250, unseen: false, sent: true },
      { name: 'less than the minimum attempt is left beside the reserve once a send is unseen', reserve: 9000 - 249, unseen: true, sent: false },
    ])('sends only when the attempt fits: $name', async ({ reserve, unseen, sent }) => {
      // Prepare
      const { session, calls, trace } = await openScriptedSession({ [CANCEL]: [OK] }, { deadlineMs: 9000 });
      session.unseenSend = unseen;

      // Act
      const outcome = await failureOf(callWechat(session, CANCEL, FIELDS, reserve));

      // Assess
      expect(calls.length).toBe(sent ? 1 : 0);
      if (sent) expect(calls[0]?.timeoutMs).toBe(250);
      else {
        expect(outcome).toBeInstanceOf(TransientError);
        expect(outcome).toMatchObject({ message: `DEADLINE_EXCEEDED: no time left for another call to ${CANCEL}`, phase: 'connect' });
        expect(trace.attempts).toBe(0);
      }
    });

    it('takes the reserve for the attempt when nothing is yet to reconcile and both do not fit', async () => {
      // Prepare
      const { session, calls } = await openScriptedSession({ [CANCEL]: [OK] }, { deadlineMs: 9000 });

      // Act
      await callWechat(session, CANCEL, FIELDS, 9000 - 249);

      // Assess: sent, with more than the minimum attempt (the time left, up to the attempt timeout).
      expect(calls).toHaveLength(1);
      expect(calls[0]?.timeoutMs).toBeGreaterThan(250);
    });

    it('moves the next attempt to the backup host after a connection failure', async () => {
      // Prepare
      const refused = new TransientError('CONNECTION_REFUSED', 'refused', { phase: 'connect' });
      const { session, calls, trace } = await openScriptedSession({ [CANCEL]: [refused, OK] });

      // Act
      await expect(callWechat(session, CANCEL, FIELDS, 0)).rejects.toBe(refused);
      await callWechat(session, CANCEL, FIELDS, 0);

      // Assess
      expect(calls.map((call) => call.baseUrl)).toEqual([PRIMARY, BACKUP]);
      expect(trace).toMatchObject({ attempts: 2, host: 'backup' });
    });

    it('stays on the host after a failure once the request was sent', async () => {
      // Prepare
      const timeout = new TransientError('READ_TIMEOUT', 'slow', { phase: 'sent' });
      const { session, calls } = await openScriptedSession({ [CANCEL]: [timeout, OK] });

      // Act
      await expect(callWechat(session, CANCEL, FIELDS, 0)).rejects.toBe(timeout);
      await callWechat(session, CANCEL, FIELDS, 0);

      // Assess
      expect(calls.map((call) => call.baseUrl)).toEqual([PRIMARY, PRIMARY]);
    });

    it.each<{ name: string; path: WechatPayPath; failure: () => Error; unseen: boolean }>([
      { name: 'a failure after the request was sent', path: CANCEL, failure: () => new TransientError('READ_TIMEOUT', 'slow', { phase: 'sent' }), unseen: true },
      { name: 'a reply that did not verify', path: CANCEL, failure: () => new SignatureError('SIGN_MISSING', 'unsigned'), unseen: true },
      { name: 'a failure before the request was sent', path: CANCEL, failure: () => new TransientError('CONNECTION_REFUSED', 'refused', { phase: 'connect' }), unseen: false },
      { name: 'a refusal', path: CANCEL, failure: () => new WechatPayError('NOAUTH', 'no'), unseen: false },
      { name: 'no such order', path: CANCEL, failure: () => new OrderNotFoundError('ORDERNOTEXIST', 'none'), unseen: false },
      { name: 'a failed query, even after it was sent', path: QUERY, failure: () => new TransientError('READ_TIMEOUT', 'slow', { phase: 'sent' }), unseen: false },
    ])('makes the outcome unknown only after a failure once the cancel was sent: $name', async ({ path, failure, unseen }) => {
      // Prepare
      const script: Partial<Record<WechatPayPath, Step[]>> = { [path]: [failure()] };
      const { session } = await openScriptedSession(script);

      // Act
      await failureOf(callWechat(session, path, FIELDS, 0));

      // Assess
      expect(session.unseenSend).toBe(unseen);
    });

    it('sends a request that met a dead kept-alive connection again at once, once', async () => {
      // Prepare
      const { session, calls, clock, trace } = await openScriptedSession({ [CANCEL]: [stale(), OK] });

      // Act
      const reply = await callWechat(session, CANCEL, FIELDS, 0);

      // Assess
      expect(reply).toBe(OK);
      expect(calls.map((call) => call.at)).toEqual([clock.now(), clock.now()]);
      expect(trace.attempts).toBe(2);
      expect(session.unseenSend).toBe(true);
    });

    it('gives up on a second dead connection in the same call', async () => {
      // Prepare
      const second = stale();
      const { session, calls } = await openScriptedSession({ [CANCEL]: [stale(), second, OK] });

      // Act / Assess
      await expect(callWechat(session, CANCEL, FIELDS, 0)).rejects.toBe(second);
      expect(calls).toHaveLength(2);
    });

    it('fetches the secret afresh once after a credential refusal, and sends again with it', async () => {
      // Prepare
      const { session, calls, secretFetches, trace } = await openScriptedSession({ [CANCEL]: [signError(), OK] });
      const first = session.credentials;

      // Act
      await callWechat(session, CANCEL, FIELDS, 0);

      // Assess
      expect(secretFetches).toEqual([false, true]);
      expect(calls.map((call) => call.credentials.version)).toEqual(['v1', 'v2']);
      expect(session.credentials).not.toBe(first);
      expect(trace.secretRefreshed).toBe(true);
    });

    it('asks for the refresh unless another caller already replaced the refused version, leaving one attempt before the deadline', async () => {
      // Prepare
      const clock = createFakeClock();
      const requests: unknown[] = [];
      const fresh = fakeCredentials({ version: 'v2', certNotAfter: new Date(Date.UTC(2031, 0, 1)) });
      const secrets = { get: async (options?: object) => (requests.push(options), requests.length === 1 ? fakeCredentials() : fresh) };
      const { client } = createScriptedClient(clock, { [CANCEL]: [signError(), OK] });
      const trace: CancelTrace = { attempts: 0, host: undefined, secretRefreshed: false, certNotAfter: undefined };
      const hosts = createHostSelector({ primary: PRIMARY, backup: undefined, clock });
      const session = await openSession({ client, secrets, hosts, clock }, callLimits({ timeoutMs: 8000, maxAttempts: 3 }), clock.now() + 9000, trace);

      // Act
      await callWechat(session, CANCEL, FIELDS, 0);

      // Assess
      expect(requests[1]).toEqual({ refresh: true, unless: 'v1', deadline: clock.now() + 9000 - 250 });
      expect(session.credentials).toBe(fresh);
      expect(trace.certNotAfter).toEqual(new Date(Date.UTC(2031, 0, 1)));
    });

    it('lets the refusal stand when the fresh secret is the same version', async () => {
      // Prepare
      const clock = createFakeClock();
      const refusal = signError();
      const fetches: unknown[] = [];
      const secrets = { get: async (options?: object) => (fetches.push(options), fakeCredentials()) };
      const { client, calls } = createScriptedClient(clock, { [CANCEL]: [refusal, OK] });
      const trace: CancelTrace = { attempts: 0, host: undefined, secretRefreshed: false, certNotAfter: undefined };
      const hosts = createHostSelector({ primary: PRIMARY, backup: undefined, clock });
      const session = await openSession({ client, secrets, hosts, clock }, callLimits({ timeoutMs: 8000, maxAttempts: 3 }), clock.now() + 9000, trace);

      // Act / Assess
      await expect(callWechat(session, CANCEL, FIELDS, 0)).rejects.toBe(refusal);
      expect(fetches).toHaveLength(2);
      expect(calls).toHaveLength(1);
      expect(trace.secretRefreshed).toBe(true);
    });

    it('fetches the secret afresh only once per session', async () => {
      // Prepare
      const second = signError();
      const { session, secretFetches, calls } = await openScriptedSession({ [CANCEL]: [signError(), second, OK], [QUERY]: [signError()] });

      // Act / Assess
      await expect(callWechat(session, CANCEL, FIELDS, 0)).rejects.toBe(second);
      await expect(callWechat(session, QUERY, FIELDS, 0)).rejects.toThrow(/^SIGNERROR: /);
      expect(secretFetches).toEqual([false, true]);
      expect(calls).toHaveLength(3);
    });

    it.each([
      { name: 'exactly two minimum attempts are left', left: 500, refreshed: true },
      { name: 'less than two minimum attempts are left', left: 499, refreshed: false },
    ])('fetches the secret afresh only when it and another attempt fit: $name', async ({ left, refreshed }) => {
      // Prepare
      const refusal = signError();
      const late = (clock: { advance(ms: number): void }) => {
        clock.advance(9000 - left);
        return refusal;
      };
      const { session, secretFetches } = await openScriptedSession({ [CANCEL]: [late, OK] }, { deadlineMs: 9000 });

      // Act
      const outcome = await failureOf(callWechat(session, CANCEL, FIELDS, 0));

      // Assess
      expect(secretFetches).toEqual(refreshed ? [false, true] : [false]);
      if (!refreshed) {
        expect(outcome).toBeInstanceOf(TransientError);
        expect(outcome).toMatchObject({ message: 'DEADLINE_EXCEEDED: no time left to fetch the secret afresh after SIGNERROR', phase: 'connect', cause: refusal });
      }
    });
  });
});
