/**
 * One call to WeChat Pay within an invocation: bounded by the attempt timeout and the deadline,
 * sent again at once (signed afresh) when a kept-alive connection turns out dead, and repeated
 * once with a freshly fetched secret after a credential refusal.
 */
import { SignatureError, STALE_CONNECTION, TransientError } from '../errors.js';
import type { HostRole, HostSelector } from '../host-selector.js';
import type { Clock, MerchantCredentials, SecretsLoader } from '../types.js';
import { isCredentialRefusal } from '../wechatpay/index.js';
import type { WechatPayClient, WechatPayPath } from '../wechatpay/index.js';
import type { CallLimits } from './retry-policy.js';

/** Filled in while a cancel runs, for the invocation's log line and metrics. */
type CancelTrace = {
  attempts: number;
  host: HostRole | undefined;
  /** The one fresh fetch of the secret after a credential refusal was made. */
  secretRefreshed: boolean;
  /** Expiry of the client certificate in use, for the days-to-expiry metric. */
  certNotAfter: Date | undefined;
};

type CallDeps = Readonly<{ client: WechatPayClient; secrets: SecretsLoader; hosts: HostSelector; clock: Clock }>;

/** The state of one invocation's calls. */
type Session = {
  readonly deps: CallDeps;
  readonly limits: CallLimits;
  /** Epoch ms by which the answer must be given. */
  readonly deadline: number;
  readonly trace: CancelTrace;
  credentials: MerchantCredentials;
  /** A cancel was sent and its reply never seen (or not trusted): it may have been applied. */
  unseenSend: boolean;
};

/** Opens an invocation's session: the secret, fetched (or from the cache) within the deadline. */
const openSession = async (deps: CallDeps, limits: CallLimits, deadline: number, trace: CancelTrace): Promise<Session> => {
  const credentials = await deps.secrets.get({ deadline: deadline - limits.minAttemptMs });
  trace.certNotAfter = credentials.certNotAfter;
  return { deps, limits, deadline, trace, credentials, unseenSend: false };
};

/** A failure after which the server may have acted on the request without our seeing its answer. */
const mayHaveBeenApplied = (error: unknown): boolean =>
  (error instanceof TransientError && error.phase === 'sent') || error instanceof SignatureError;

/**
 * Fetches the secret afresh, once per invocation, after `refusal`. Skipped when it and another
 * attempt cannot fit before the deadline; when the secret has not changed, the refusal stands.
 */
const refreshSecret = async (session: Session, refusal: Error & { code: string }): Promise<void> => {
  const { clock, secrets } = session.deps;
  const { minAttemptMs } = session.limits;
  if (session.deadline - clock.now() < 2 * minAttemptMs) {
    throw new TransientError('DEADLINE_EXCEEDED', `no time left to fetch the secret afresh after ${refusal.code}`, {
      cause: refusal,
      phase: 'connect',
    });
  }
  // A fetch that fails leaves the refresh available to a later attempt: a Secrets Manager blip
  // must not turn into the refusal's non-retryable answer.
  const fresh = await secrets.get({ refresh: true, unless: session.credentials.version, deadline: session.deadline - minAttemptMs });
  session.trace.secretRefreshed = true;
  if (fresh.version === session.credentials.version) throw refusal;
  session.credentials = fresh;
  session.trace.certNotAfter = fresh.certNotAfter;
};

/**
 * Sends one request to the host of the moment and returns the verified reply fields.
 * @param reserveMs time to leave before the deadline (the query that may follow a cancel), while
 *   it fits beside a minimum attempt or a send's outcome is already unknown.
 * @throws {TransientError} `DEADLINE_EXCEEDED` when no attempt fits; any failure of the call.
 */
const callWechat = async (
  session: Session,
  path: WechatPayPath,
  fields: Readonly<Record<string, string>>,
  reserveMs: number,
): Promise<Record<string, string>> => {
  const { client, hosts, clock } = session.deps;
  let resent = false;
  for (;;) {
    const left = session.deadline - clock.now();
    let timeoutMs = Math.min(session.limits.timeoutMs, left - reserveMs);
    // With too little time for both, and nothing yet to reconcile, the attempt takes the reserve:
    // a cancel that is sent beats one that never is (a lost reply then stays a TransientError).
    if (timeoutMs < session.limits.minAttemptMs && !session.unseenSend) timeoutMs = Math.min(session.limits.timeoutMs, left);
    if (timeoutMs < session.limits.minAttemptMs) {
      throw new TransientError('DEADLINE_EXCEEDED', `no time left for another call to ${path}`, { phase: 'connect' });
    }
    const host = hosts.pick();
    session.trace.attempts += 1;
    session.trace.host = host.role;
    try {
      return await client.call({ baseUrl: host.baseUrl, path, fields, credentials: session.credentials, timeoutMs });
    } catch (error) {
      if (error instanceof TransientError && error.phase === 'connect') hosts.reportConnectFailure(host.role);
      if (path === 'wxv/cancelbill' && mayHaveBeenApplied(error)) session.unseenSend = true;
      // A dead kept-alive connection: once, at once, as a new request (new nonce_str and sign).
      if (error instanceof TransientError && error.code === STALE_CONNECTION && !resent) {
        resent = true;
        continue;
      }
      if (!isCredentialRefusal(error) || session.trace.secretRefreshed) throw error;
      await refreshSecret(session, error as Error & { code: string });
    }
  }
};

export { openSession, callWechat };
export type { CancelTrace, CallDeps, Session };
