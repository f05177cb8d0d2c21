/**
 * Faults the WeChat Pay sandbox can inject. "Before" faults answer instead of the API and leave
 * the orders untouched; every other fault lets the request be processed normally (a cancel is
 * applied) and then corrupts, delays or drops the reply.
 */
import { createFaultQueue } from './fault-queue.js';
import { signFields, toXml } from './wechatpay-protocol.js';
import type { Fields } from './wechatpay-protocol.js';
import { NginxPage, buildReplyFields } from './wechatpay-replies.js';
import type { HttpReply } from './wechatpay-replies.js';
import type { Endpoint } from './wechatpay-endpoints.js';

/** Faults that take no parameter, usable as plain strings: `faults.push('http500')`. */
type SimpleFaultKind =
  | 'systemError' | 'frequencyLimited' | 'certError' | 'http500' | 'http502' | 'resetBeforeProcessing' | 'hang'
  | 'resetAfterProcessing' | 'trickle' | 'malformed' | 'misSigned' | 'signedOverOtherFields' | 'unsignedSuccess'
  | 'doctype' | 'duplicateResultCode' | 'forgedSuccess';

/**
 * One fault. Before processing (orders untouched):
 * - `systemError`: `result_code=FAIL`, `err_code=SYSTEMERROR`, unsigned;
 * - `frequencyLimited`: `err_code=FREQUENCY_LIMITED` (signed unless `signFailReplies: false`);
 * - `returnFail`: `return_code=FAIL` with `return_msg = msg`;
 * - `certError`: nginx 400 "The SSL certificate error"; `http500`, `http502`: nginx pages;
 * - `resetBeforeProcessing`: the connection is destroyed; `hang`: no answer ever;
 * - `forgedSuccess`: a success that WeChat Pay never sent (the cancel is not applied), signed with
 *   a key the merchant does not hold, as a man in the middle would forge it.
 *
 * After processing (a cancel is applied, then the reply is altered):
 * - `resetAfterProcessing`: the reply is lost; `slow`: sent after `ms`;
 * - `trickle`: sent a byte every `delayMs` (default 10), Content-Length announced;
 * - `malformed`: the first half of the XML; `doctype`: a billion-laughs DOCTYPE before it;
 * - `misSigned`: signed with another key; `signedOverOtherFields`: the genuine signature with a
 *   changed `order_id` (or a FAIL turned into SUCCESS); `unsignedSuccess`: `sign` removed;
 * - `duplicateResultCode`: a second `result_code` with the opposite verdict at the end;
 * - `huge`: a `padding` element of `bytes` characters, without Content-Length if `chunked`.
 */
type WechatPayFault =
  | { kind: Exclude<SimpleFaultKind, 'trickle'> }
  | { kind: 'slow'; ms: number }
  | { kind: 'trickle'; delayMs?: number }
  | { kind: 'huge'; bytes: number; chunked?: boolean }
  | { kind: 'returnFail'; msg: string };

/** What fault predicates see; `fields` is undefined when the body did not parse. */
type FaultRequest = { server: string; endpoint: Endpoint; fields: Readonly<Fields> | undefined };

/** Targets a fault at one endpoint and/or requests matching a predicate. */
type FaultTarget = { endpoint?: Endpoint; match?: (request: FaultRequest) => boolean };

/** The fault controls of one sandbox server (see `createFaultQueue` for the semantics). */
interface WechatPayFaults {
  push(fault: SimpleFaultKind | WechatPayFault, options?: FaultTarget & { times?: number }): void;
  set(fault: SimpleFaultKind | WechatPayFault, options?: FaultTarget): void;
  clear(): void;
  pending(): number;
  take(request: FaultRequest): WechatPayFault | undefined;
}

/** How the server answers: a reply (maybe delayed, trickled, without length), a reset, or nothing. */
type Delivery =
  | { kind: 'send'; reply: HttpReply; delayMs?: number; trickleMs?: number; omitLength?: boolean }
  | { kind: 'reset' }
  | { kind: 'hang' };

type ReplyContext = { apiKey: string; signFailReplies: boolean; contentType: string };

const LAUGHS = Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i};`.repeat(10)}">`).join('');
const ENTITY_BOMB = `<!DOCTYPE xml [<!ENTITY lol0 "lol">${LAUGHS}]>`;

/** Creates the fault controls of one server. */
const createWechatPayFaults = (): WechatPayFaults => {
  const queue = createFaultQueue<WechatPayFault, FaultRequest>();
  const normalize = (fault: SimpleFaultKind | WechatPayFault): WechatPayFault => (typeof fault === 'string' ? { kind: fault } : fault);
  const matcher = ({ endpoint, match }: FaultTarget) => (request: FaultRequest) =>
    (endpoint === undefined || endpoint === request.endpoint) && (match === undefined || match(request));
  return {
    push: (fault, options = {}) => queue.push(normalize(fault), { match: matcher(options), times: options.times ?? 1 }),
    set: (fault, options = {}) => queue.set(normalize(fault), { match: matcher(options) }),
    clear: queue.clear,
    pending: queue.pending,
    take: queue.take,
  };
};

const xmlReply = (fields: Fields, context: ReplyContext): HttpReply => ({ status: 200, contentType: context.contentType, body: toXml(fields) });

/** The delivery of a "before" fault, or undefined when `fault` lets the request be processed. */
const deliverBeforeProcessing = (fault: WechatPayFault, request: Fields, context: ReplyContext): Delivery | undefined => {
  const refuse = (errCode: string, errCodeDes: string, signed: boolean): Delivery => {
    const outcome = { kind: 'result', fields: { result_code: 'FAIL', err_code: errCode, err_code_des: errCodeDes }, signed } as const;
    return { kind: 'send', reply: xmlReply(buildReplyFields(outcome, request, context.apiKey), context) };
  };
  switch (fault.kind) {
    case 'systemError': return refuse('SYSTEMERROR', '系统超时', false);
    case 'frequencyLimited': return refuse('FREQUENCY_LIMITED', '频率限制', context.signFailReplies);
    case 'returnFail': return { kind: 'send', reply: xmlReply({ return_code: 'FAIL', return_msg: fault.msg }, context) };
    case 'certError': return { kind: 'send', reply: NginxPage.CERT_ERROR };
    case 'http500': return { kind: 'send', reply: NginxPage.INTERNAL_ERROR };
    case 'http502': return { kind: 'send', reply: NginxPage.BAD_GATEWAY };
    case 'resetBeforeProcessing': return { kind: 'reset' };
    case 'hang': return { kind: 'hang' };
    case 'forgedSuccess': {
      const forged = { kind: 'result', fields: { result_code: 'SUCCESS', out_order_no: request.out_order_no ?? '', order_id: '99999999999999999999' }, signed: true } as const;
      return { kind: 'send', reply: xmlReply(buildReplyFields(forged, request, `${context.apiKey}forged`), context) };
    }
    default: return undefined;
  }
};

/** Changes the reply after it was signed: a digit of `order_id`, else the business verdict. */
const tamper = (fields: Fields): Fields => {
  const tampered = { ...fields };
  const orderId = fields.order_id;
  if (orderId !== undefined) tampered.order_id = `${orderId.slice(0, -1)}${orderId.endsWith('7') ? '8' : '7'}`;
  else if (fields.result_code === 'FAIL') {
    tampered.result_code = 'SUCCESS';
    delete tampered.err_code;
    delete tampered.err_code_des;
  } else tampered.return_msg = `${fields.return_msg ?? ''}!`;
  return tampered;
};

const withoutSign = (fields: Fields): Fields => Object.fromEntries(Object.entries(fields).filter(([name]) => name !== 'sign'));

/** Renders the processed reply `fields`, corrupted or delayed as `fault` says. */
const deliverAfterProcessing = (fault: WechatPayFault | undefined, fields: Fields, context: ReplyContext): Delivery => {
  const send = (body: string, extra: Partial<Extract<Delivery, { kind: 'send' }>> = {}): Delivery => ({
    kind: 'send', reply: { status: 200, contentType: context.contentType, body }, ...extra,
  });
  const xml = toXml(fields);
  switch (fault?.kind) {
    case undefined: return send(xml);
    case 'resetAfterProcessing': return { kind: 'reset' };
    case 'slow': return send(xml, { delayMs: fault.ms });
    case 'trickle': return send(xml, { trickleMs: fault.delayMs ?? 10 });
    case 'malformed': return send(xml.slice(0, Math.floor(xml.length / 2)));
    case 'misSigned': return send(toXml({ ...fields, sign: signFields(fields, `${context.apiKey}x`) }));
    case 'signedOverOtherFields': return send(toXml({ ...tamper(withoutSign(fields)), sign: signFields(fields, context.apiKey) }));
    case 'unsignedSuccess': return send(toXml(withoutSign(fields)));
    case 'doctype': return send(`${ENTITY_BOMB}${xml.replace('<return_msg>', '<return_msg>&lol9;')}`);
    case 'duplicateResultCode': {
      const other = fields.result_code === 'SUCCESS' ? 'FAIL' : 'SUCCESS';
      return send(xml.replace(/<\/xml>$/, `<result_code><![CDATA[${other}]]></result_code></xml>`));
    }
    case 'huge': return send(xml.replace(/<\/xml>$/, `<padding>${'x'.repeat(fault.bytes)}</padding></xml>`), { omitLength: fault.chunked === true });
    default: return send(xml);
  }
};

export { createWechatPayFaults, deliverBeforeProcessing, deliverAfterProcessing };
export type { WechatPayFault, WechatPayFaults, SimpleFaultKind, FaultRequest, FaultTarget, Delivery, ReplyContext };
