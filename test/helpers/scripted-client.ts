/**
 * A WeChat Pay client for unit tests of lib/cancel/: each call takes the next scripted step for
 * its path, and every call is recorded with the fake clock's time.
 */
import { openSession } from '../../lib/cancel/call.js';
import type { CancelTrace, Session } from '../../lib/cancel/call.js';
import { callLimits } from '../../lib/cancel/retry-policy.js';
import { createHostSelector } from '../../lib/host-selector.js';
import type { MerchantCredentials } from '../../lib/types.js';
import type { WechatPayClient, WechatPayPath } from '../../lib/wechatpay/index.js';
import { createFakeClock, fakeCredentials } from './fake-deps.js';

type FakeClock = ReturnType<typeof createFakeClock>;
type RecordedCall = { at: number; baseUrl: string; path: WechatPayPath; fields: Readonly<Record<string, string>>; credentials: MerchantCredentials; timeoutMs: number };
/** A reply, a failure, or a function run as the call happens (to move the clock by the call's time, say). */
type Step = Record<string, string> | Error | ((clock: FakeClock, call: RecordedCall) => Record<string, string> | Error);

const PRIMARY = 'https://primary.test';
const BACKUP = 'https://backup.test';

/** The client: `script` holds the steps of each path, taken in order; an unscripted call fails the test. */
const createScriptedClient = (clock: FakeClock, script: Partial<Record<WechatPayPath, Step[]>>) => {
  const calls: RecordedCall[] = [];
  const queues: Record<WechatPayPath, Step[]> = { 'wxv/cancelbill': [...(script['wxv/cancelbill'] ?? [])], 'wxv/queryrentbill': [...(script['wxv/queryrentbill'] ?? [])] };
  const client: WechatPayClient = {
    call: async (input) => {
      const call = { ...input, at: clock.now() };
      calls.push(call);
      const next = queues[input.path].shift();
      if (next === undefined) throw new Error(`unscripted call to ${input.path}`);
      const step = typeof next === 'function' ? next(clock, call) : next;
      if (step instanceof Error) throw step;
      return step;
    },
  };
  return { client, calls };
};

/**
 * An open session over a scripted client: secrets that yield a new version on every fetch
 * (recorded: `true` for a forced refresh), hosts `PRIMARY` and `BACKUP` on the fake clock, the
 * limits of an 8 s timeout and 3 attempts, and the deadline `deadlineMs` from now.
 */
const openScriptedSession = async (script: Partial<Record<WechatPayPath, Step[]>>, options: { deadlineMs?: number; backup?: boolean } = {}) => {
  const clock = createFakeClock();
  const { client, calls } = createScriptedClient(clock, script);
  const secretFetches: boolean[] = [];
  let version = 0;
  const secrets = {
    get: async (opts?: { refresh?: boolean }) => {
      secretFetches.push(opts?.refresh === true);
      version += 1;
      return fakeCredentials({ version: `v${version}` });
    },
  };
  const hosts = createHostSelector({ primary: PRIMARY, backup: options.backup === false ? undefined : BACKUP, clock });
  const trace: CancelTrace = { attempts: 0, host: undefined, secretRefreshed: false, certNotAfter: undefined };
  const session: Session = await openSession({ client, secrets, hosts, clock }, callLimits({ timeoutMs: 8000, maxAttempts: 3 }), clock.now() + (options.deadlineMs ?? 60_000), trace);
  return { session, clock, calls, secretFetches, trace };
};

export { createScriptedClient, openScriptedSession, PRIMARY, BACKUP };
export type { Step, RecordedCall, FakeClock };
