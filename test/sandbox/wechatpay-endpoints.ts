/**
 * What the sandbox does with an authenticated, parsed request: signature, merchant and field
 * checks (spec §3), then the business rules of `wxv/cancelbill` and `wxv/queryrentbill` (§1, §6).
 */
import { hasValidSignature } from './wechatpay-protocol.js';
import type { Fields } from './wechatpay-protocol.js';
import { OrderState } from './wechatpay-orders.js';
import type { Order, OrderStore } from './wechatpay-orders.js';

/** The endpoints the sandbox serves, by their path's last segment. */
const Endpoint = { CANCEL: 'cancelbill', QUERY: 'queryrentbill' } as const;
type Endpoint = (typeof Endpoint)[keyof typeof Endpoint];

const ENDPOINT_BY_PATH: ReadonlyMap<string, Endpoint> = new Map([
  ['/wxv/cancelbill', Endpoint.CANCEL],
  ['/wxv/queryrentbill', Endpoint.QUERY],
]);

/**
 * The reply decided for a request: a protocol failure (`return_code=FAIL`, never signed), or
 * business fields to put in a `return_code=SUCCESS` envelope, signed or not.
 */
type Outcome = { kind: 'returnFail'; msg: string } | { kind: 'result'; fields: Fields; signed: boolean };

/** The refusal for a cancel of an order that is no longer CREATED or USER_ACCEPTED (spec §12). */
type RepeatCancelCode = 'INVALID_ORDER_STATE' | 'PARAM_ERROR';

type EndpointContext = {
  mchId: string;
  apiKey: string;
  orders: OrderStore;
  repeatCancelCode: RepeatCancelCode;
  signFailReplies: boolean;
  rejectReusedNonce: boolean;
  /** Records `nonce` and tells whether it had been seen before. */
  seenNonce: (nonce: string) => boolean;
};

type Rule = (value: string) => boolean;

const isReason: Rule = (value) => {
  const characters = [...value];
  return characters.length >= 1 && characters.length <= 50 && characters.every((c) => (c.codePointAt(0) ?? 0) <= 0xffff);
};

const RULES: Readonly<Record<string, Rule>> = {
  version: (value) => value === '1.0',
  appid: (value) => /^[\x21-\x7e]{1,32}$/.test(value),
  mch_id: (value) => /^[0-9]{1,32}$/.test(value),
  nonce_str: (value) => /^[0-9A-Za-z]{1,32}$/.test(value),
  sign_type: (value) => value === 'HMAC-SHA256',
  out_order_no: (value) => /^[0-9A-Za-z_\-|*]{1,32}$/.test(value),
  reason: isReason,
  service_id: (value) => /^[0-9]{1,32}$/.test(value),
};

const REQUIRED: Readonly<Record<Endpoint, readonly string[]>> = {
  cancelbill: ['version', 'appid', 'mch_id', 'nonce_str', 'sign_type', 'out_order_no', 'reason', 'service_id'],
  queryrentbill: ['version', 'appid', 'mch_id', 'nonce_str', 'sign_type', 'out_order_no', 'service_id'],
};

const fail = (context: EndpointContext, errCode: string, errCodeDes: string): Outcome => ({
  kind: 'result',
  fields: { result_code: 'FAIL', err_code: errCode, err_code_des: errCodeDes },
  signed: context.signFailReplies,
});

const succeed = (order: Order, extra: Fields = {}): Outcome => ({
  kind: 'result',
  fields: { result_code: 'SUCCESS', out_order_no: order.out_order_no, service_id: order.service_id, order_id: order.order_id, ...extra },
  signed: true,
});

const findOrder = (fields: Fields, orders: OrderStore): Order | undefined => {
  const order = orders.get(fields.out_order_no ?? '');
  return order !== undefined && order.service_id === fields.service_id && order.appid === fields.appid ? order : undefined;
};

const cancel = (fields: Fields, context: EndpointContext): Outcome => {
  const order = findOrder(fields, context.orders);
  if (order === undefined) return fail(context, 'ORDERNOTEXIST', '订单不存在');
  if (order.state !== OrderState.CREATED && order.state !== OrderState.USER_ACCEPTED) {
    return context.repeatCancelCode === 'PARAM_ERROR'
      ? fail(context, 'PARAM_ERROR', '撤销失败，请确认入参')
      : fail(context, 'INVALID_ORDER_STATE', '订单状态不允许撤销');
  }
  order.state = OrderState.REVOKED;
  order.cancelCount += 1;
  return succeed(order);
};

const query = (fields: Fields, context: EndpointContext): Outcome => {
  const order = findOrder(fields, context.orders);
  if (order === undefined) return fail(context, 'ORDERNOTEXIST', '订单不存在');
  const returned = order.state === OrderState.FINISHED || order.state === OrderState.USER_PAID;
  return succeed(order, {
    state: order.state,
    goods_name: '共享充电宝',
    returned: returned ? 'true' : 'false',
    start_time: '20261126120000',
    deposit_amount: '9900',
    rent_unit: 'FEE_PER_HOUR',
    rent_unit_fee: '200',
    finish_ticket: `FT${order.order_id}`,
  });
};

/**
 * Checks and executes one parsed request, in the order a server that identifies the merchant by
 * its client certificate would: signature (`签名错误`), `mch_id` (`NOAUTH`), fields
 * (`PARAM_ERROR`), nonce reuse (`INVALID_REQUEST`, when enabled), then the business rules.
 * Fields the endpoint does not know are ignored but covered by the signature check.
 */
const handleEndpoint = (endpoint: Endpoint, fields: Fields, context: EndpointContext): Outcome => {
  if (!hasValidSignature(fields, context.apiKey)) return { kind: 'returnFail', msg: '签名错误' };
  if (fields.mch_id !== undefined && fields.mch_id !== context.mchId) return fail(context, 'NOAUTH', '商户无此接口权限');
  const invalid = REQUIRED[endpoint].find((name) => {
    const value = fields[name];
    return value === undefined || RULES[name]?.(value) !== true;
  });
  if (invalid !== undefined) return fail(context, 'PARAM_ERROR', `参数错误:${invalid}`);
  if (context.seenNonce(fields.nonce_str ?? '') && context.rejectReusedNonce) {
    return fail(context, 'INVALID_REQUEST', 'nonce_str重复');
  }
  return endpoint === Endpoint.CANCEL ? cancel(fields, context) : query(fields, context);
};

export { Endpoint, ENDPOINT_BY_PATH, handleEndpoint };
export type { Outcome, EndpointContext, RepeatCancelCode };
