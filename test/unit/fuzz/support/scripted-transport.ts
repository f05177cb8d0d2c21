import { TransientError, WechatPayError } from '../../../../lib/errors.js';
import type { HttpsRequest, HttpsResponse, HttpsTransport } from '../../../../lib/types.js';
import { replyXml, signedReplyXml } from '../../../helpers/reply-xml.js';
import type { Reply, ReplyPlan } from '../arbitraries/replies.js';

const MCH_ID = '1230000109';
const ORDER_ID = '15646546545165651651';
const OTHER_ORDER = 'SOMEONE-ELSES-ORDER';

/** A request as the transport saw it, with the fake time it was made at. */
type RecordedRequest = HttpsRequest & { at: number };
/** What a request was answered with: `signedSuccess` is true for a signed `result_code=SUCCESS` naming this order. */
type RecordedAnswer = { path: string; signedSuccess: boolean; state: string | undefined };

/** The fields of a signed reply (its `sign` is added as it is written). */
const signedFields = (reply: Extract<Reply, { kind: 'signed' }>, orderNo: string): Record<string, string> => {
  const echoed = reply.echo === 'same' ? orderNo : reply.echo === 'other' ? OTHER_ORDER : '';
  const entries = Object.entries({
    return_code: 'SUCCESS', return_msg: 'OK', mch_id: MCH_ID, nonce_str: 'Yq9dNxB5aTgHk2mW', result_code: reply.resultCode,
    err_code: reply.errCode, out_order_no: echoed, order_id: reply.resultCode === 'SUCCESS' ? ORDER_ID : '', state: reply.state,
  }).filter(([, value]) => value !== '');
  return Object.fromEntries(entries);
};

const TRANSPORT_FAILURES = {
  connect: () => new TransientError('ECONNREFUSED', 'fake connection refused', { phase: 'connect' }),
  sent: () => new TransientError('ECONNRESET', 'fake connection reset after sending', { phase: 'sent' }),
  certificate: () => new WechatPayError('SSL_CERT_ERROR', 'fake TLS alert: certificate refused'),
} as const;

/**
 * A fake WeChat Pay that records every request and answers from a plan, moving the fake clock by
 * each reply's latency; a latency at or past the attempt's `timeoutMs` is a timeout, as the real
 * transport reports it.
 */
const createScriptedTransport = (plan: ReplyPlan, clock: { now(): number; advance(ms: number): void }) => {
  const requests: RecordedRequest[] = [];
  const answers: RecordedAnswer[] = [];

  const transport: HttpsTransport = {
    request: async (request: HttpsRequest): Promise<HttpsResponse> => {
      const reply = plan.steps[requests.length] ?? plan.then;
      requests.push({ ...request, at: clock.now() });
      const path = new URL(request.url).pathname.slice(1);
      clock.advance(Math.min(reply.latencyMs, request.timeoutMs));
      if (reply.latencyMs >= request.timeoutMs) throw new TransientError('TIMEOUT', 'fake attempt timed out', { phase: 'sent' });
      const orderNo = /<out_order_no>(?:<!\[CDATA\[)?([^<\]]*)/.exec(request.body)?.[1] ?? '';
      answers.push({
        path,
        signedSuccess: reply.kind === 'signed' && reply.resultCode === 'SUCCESS' && reply.echo !== 'other',
        state: reply.kind === 'signed' && reply.state !== '' ? reply.state : undefined,
      });
      if (reply.kind === 'throw') throw TRANSPORT_FAILURES[reply.failure]();
      if (reply.kind === 'http') return { status: reply.status, headers: { 'content-type': 'text/html' }, body: reply.body };
      const body =
        reply.kind === 'signed'
          ? signedReplyXml(signedFields(reply, orderNo))
          : reply.kind === 'unsigned-fail'
            ? replyXml({ return_code: 'SUCCESS', result_code: 'FAIL', err_code: reply.errCode, err_code_des: 'fake refusal' })
            : replyXml({ return_code: 'FAIL', return_msg: reply.returnMsg });
      return { status: 200, headers: { 'content-type': 'text/plain' }, body };
    },
  };
  return { transport, requests, answers };
};

export { createScriptedTransport, MCH_ID, ORDER_ID };
export type { RecordedAnswer, RecordedRequest };
