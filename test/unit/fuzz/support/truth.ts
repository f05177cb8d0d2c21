import { expect } from 'vitest';
import type { Answer } from './contract-outcome.js';
import type { RecordedAnswer, RecordedRequest } from './scripted-transport.js';

/**
 * Asserts the caller was told only what a signed reply about this order said: a fresh success
 * needs a signed success from `wxv/cancelbill`; `already_cancelled` and `OrderStateError` need a
 * signed `wxv/queryrentbill` reply with that state. Replies naming another order count for nothing.
 */
const expectTruthfulAnswer = (answer: Answer, evidence: { answers: readonly RecordedAnswer[]; requests: readonly RecordedRequest[] }): void => {
  const signed = evidence.answers.filter((reply) => reply.signedSuccess);
  if ('errorName' in answer) {
    if (answer.errorName !== 'OrderStateError') return;
    const finished = signed.some((reply) => reply.path === 'wxv/queryrentbill' && (reply.state === 'FINISHED' || reply.state === 'USER_PAID'));
    expect(finished, 'OrderStateError without a signed queryrentbill reply about this order saying FINISHED or USER_PAID').toBe(true);
    return;
  }
  const { result } = answer;
  const sentOrderNos = evidence.requests.map((request) => /<out_order_no>([^<]*)</.exec(request.body)?.[1]);
  expect(sentOrderNos, 'the result names an order that was never sent').toContain(result.out_order_no);
  if (result.already_cancelled) {
    const said = signed.some((reply) => reply.path === 'wxv/queryrentbill' && reply.state === result.state);
    expect(said, `already_cancelled ${result.state} without a signed queryrentbill reply about this order saying so`).toBe(true);
  } else {
    expect(signed.some((reply) => reply.path === 'wxv/cancelbill'), 'success without a signed cancelbill success about this order').toBe(true);
  }
};

export { expectTruthfulAnswer };
