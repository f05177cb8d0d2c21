/**
 * The demo's bulk step: a few hundred sandbox orders in mixed states, with rate limits,
 * SYSTEMERROR and lost replies, through the local batch run (as `npm run batch -- --local`), then
 * its summary. True when every order ended in the outcome its seeded state calls for.
 */
import { emptyCounts, OUTCOMES } from '../../lib/batch/outcomes.js';
import type { Outcome } from '../../lib/batch/outcomes.js';
import { OrderState } from '../../test/sandbox/index.js';
import { runWithProgress, startLocalSession } from './local-session.js';
import { renderSummary } from './progress.js';

const ORDERS = 300;
/** Seeded state, fault, and the outcome that must follow. */
const MIX: readonly { every: number; state: OrderState | undefined; fault?: 'lostReply' | 'alwaysBusy'; outcome: Outcome }[] = [
  { every: 12, state: OrderState.REVOKED, outcome: 'already_cancelled' },
  { every: 17, state: OrderState.EXPIRED, outcome: 'already_cancelled' },
  { every: 13, state: OrderState.FINISHED, outcome: 'not_cancellable' },
  { every: 19, state: OrderState.USER_PAID, outcome: 'not_cancellable' },
  { every: 11, state: undefined, outcome: 'not_found' },
  { every: 23, state: OrderState.USER_ACCEPTED, fault: 'lostReply', outcome: 'already_cancelled' },
  { every: 97, state: OrderState.CREATED, fault: 'alwaysBusy', outcome: 'failed' },
];
const CANCELLABLE = { state: OrderState.CREATED, outcome: 'cancelled' as Outcome };

/**
 * Runs the bulk step and prints it.
 *
 * @example
 * const ok = await runBulkDemo((line) => console.log(line));
 */
const runBulkDemo = async (say: (line: string) => void): Promise<boolean> => {
  // Short retry waits: the state machine's own (5, 10, 20 s) would make the demo take minutes.
  const session = await startLocalSession({ retryWaitMs: 50 });
  const { local, sandbox } = session;
  try {
    const expected = emptyCounts();
    const rows = ['out_order_no,reason'];
    let rateLimits = 0;
    let systemErrors = 0;
    let lostReplies = 0;
    let alwaysBusy = 0;
    for (let i = 1; i <= ORDERS; i += 1) {
      const orderNo = `BULK-${String(i).padStart(4, '0')}`;
      const only = (request: { fields?: Readonly<Record<string, string>> | undefined }) => request.fields?.out_order_no === orderNo;
      const kind = MIX.find((entry) => i % entry.every === 0) ?? CANCELLABLE;
      if (kind.state !== undefined) sandbox.seedOrder(orderNo, kind.state);
      expected[kind.outcome] += 1;
      rows.push(`${orderNo},${i % 2 === 0 ? '"柜门未弹出, 退款"' : 'venue closed'}`);
      if ('fault' in kind && kind.fault === 'lostReply') {
        sandbox.primary.faults.push('resetAfterProcessing', { endpoint: 'cancelbill', match: only });
        lostReplies += 1;
      }
      if ('fault' in kind && kind.fault === 'alwaysBusy') {
        sandbox.primary.faults.set('systemError', { endpoint: 'cancelbill', match: only });
        alwaysBusy += 1;
      }
      if (i % 7 === 0) {
        sandbox.primary.faults.push('frequencyLimited', { endpoint: 'cancelbill', match: only });
        rateLimits += 1;
      }
      if (i % 9 === 0) {
        sandbox.primary.faults.push('systemError', { endpoint: 'cancelbill', match: only });
        systemErrors += 1;
      }
    }
    say(`bulk: ${ORDERS} sandbox orders in mixed states through cancel-rental-orders-batch (local), with ${rateLimits} rate limits, ${systemErrors} SYSTEMERROR replies, ${lostReplies} lost replies and ${alwaysBusy} orders that never stop failing`);
    const result = await runWithProgress(local, { file: Buffer.from(`${rows.join('\r\n')}\r\n`), fileName: 'demo-bulk.csv', execution: 'demo-bulk' });
    if (result.status !== 'completed') {
      say(`bulk: the run ${result.status}: ${result.error}`);
      return false;
    }
    const wrong = OUTCOMES.filter((outcome) => result.summary.counts[outcome] !== expected[outcome]);
    say('');
    say(renderSummary(result.summary));
    say('');
    say(`report: ${result.summary.report}; retry: ${result.summary.retry ?? 'none'}`);
    say(wrong.length === 0 ? `${ORDERS} of ${ORDERS} bulk outcomes as expected` : `bulk outcomes not as expected: ${wrong.map((o) => `${o} ${result.summary.counts[o]} (expected ${expected[o]})`).join(', ')}`);
    return wrong.length === 0;
  } finally {
    await session.close();
  }
};

export { runBulkDemo };
