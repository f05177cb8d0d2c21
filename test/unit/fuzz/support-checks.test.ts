import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../lib/errors.js';
import { expectContractOutcome } from './support/contract-outcome.js';
import { API_KEY } from './support/harness.js';
import { snapshotPrototypes } from './support/process-guards.js';
import { expectedSign, wireProblems } from './support/wire.js';

const BASE_URLS = ['https://api.mch.weixin.qq.com', 'https://api2.mch.weixin.qq.com'];
const CANCEL_URL = 'https://api.mch.weixin.qq.com/wxv/cancelbill';
/** The request of spec §3 / vector V2, signed with the same key as `fakeCredentials`. */
const SPEC_BODY =
  '<xml><version>1.0</version><appid>wxd678efh567hg6787</appid><mch_id>1230000109</mch_id><nonce_str>5K8264ILTKCH16CQ2502SI8ZNMTM67VS</nonce_str><sign_type>HMAC-SHA256</sign_type><out_order_no>1234323JKHDFE1243252</out_order_no><reason>用户投诉</reason><service_id>2002000000000558128851361561536</service_id><sign>58219B98B9E8F5637131863BA5780926694A6DDB980FB34F1A0B629A9EB690F0</sign></xml>';
const SPEC_FIELDS: [string, string][] = [
  ['version', '1.0'], ['appid', 'wxd678efh567hg6787'], ['mch_id', '1230000109'], ['nonce_str', '5K8264ILTKCH16CQ2502SI8ZNMTM67VS'],
  ['sign_type', 'HMAC-SHA256'], ['out_order_no', '1234323JKHDFE1243252'], ['reason', '用户投诉'], ['service_id', '2002000000000558128851361561536'],
];

/** A correctly signed body of these fields, so that each row shows only its own defect. */
const signedBody = (fields: [string, string][]): string => {
  const all: [string, string][] = [...fields, ['sign', expectedSign(Object.fromEntries(fields), API_KEY)]];
  return `<xml>${all.map(([name, value]) => `<${name}>${/[<>&'"]/.test(value) ? `<![CDATA[${value}]]>` : value}</${name}>`).join('')}</xml>`;
};
const withField = (name: string, value: string): [string, string][] => SPEC_FIELDS.map(([key, old]) => [key, key === name ? value : old]);

describe('fuzz/support', () => {
  describe('wireProblems', () => {
    it('accepts the request of spec §3, byte for byte', () => {
      // Act
      const problems = wireProblems({ url: CANCEL_URL, body: SPEC_BODY }, { baseUrls: BASE_URLS, apiKey: API_KEY });

      // Assess
      expect(problems).toEqual([]);
    });

    it.each([
      { name: 'another URL', url: 'https://evil.example/wxv/cancelbill', body: SPEC_BODY, problem: 'unexpected URL' },
      { name: 'an extra field', url: CANCEL_URL, body: signedBody([...SPEC_FIELDS, ['extra', 'x']]), problem: 'fields are' },
      { name: 'a missing reason', url: CANCEL_URL, body: signedBody(SPEC_FIELDS.filter(([name]) => name !== 'reason')), problem: 'fields are' },
      { name: 'a reason sent to queryrentbill', url: 'https://api2.mch.weixin.qq.com/wxv/queryrentbill', body: SPEC_BODY, problem: 'fields are' },
      { name: 'a repeated field', url: CANCEL_URL, body: signedBody([...SPEC_FIELDS, ['appid', 'wx2']]), problem: 'a field is repeated' },
      { name: 'a reason with an emoji', url: CANCEL_URL, body: signedBody(withField('reason', 'lost 😀')), problem: 'reason breaks its rule' },
      { name: 'a reason of 51 characters', url: CANCEL_URL, body: signedBody(withField('reason', 'x'.repeat(51))), problem: 'reason breaks its rule' },
      { name: 'a reason with a leading blank', url: CANCEL_URL, body: signedBody(withField('reason', ' lost')), problem: 'reason breaks its rule' },
      { name: 'a reason with a control character', url: CANCEL_URL, body: signedBody(withField('reason', 'lo\u0001st')), problem: 'reason holds a character XML cannot carry' },
      { name: 'an out_order_no with a dot', url: CANCEL_URL, body: signedBody(withField('out_order_no', 'A.1')), problem: 'out_order_no breaks its rule' },
      { name: 'a service_id with a letter', url: CANCEL_URL, body: signedBody(withField('service_id', '12a')), problem: 'service_id breaks its rule' },
      { name: 'an appid of 33 characters', url: CANCEL_URL, body: signedBody(withField('appid', 'w'.repeat(33))), problem: 'appid breaks its rule' },
      { name: 'a tampered sign', url: CANCEL_URL, body: SPEC_BODY.replace('58219B98', '58219B99'), problem: 'sign does not verify' },
      { name: 'an entity-escaped value', url: CANCEL_URL, body: SPEC_BODY.replace('用户投诉', 'a&amp;b'), problem: 'not a flat <xml>' },
      { name: 'a nested element', url: CANCEL_URL, body: SPEC_BODY.replace('用户投诉', '<b>x</b>'), problem: 'not a flat <xml>' },
      { name: 'an XML declaration', url: CANCEL_URL, body: `<?xml version="1.0"?>${SPEC_BODY}`, problem: 'not a flat <xml>' },
    ])('flags $name', ({ url, body, problem }) => {
      // Act
      const problems = wireProblems({ url, body }, { baseUrls: BASE_URLS, apiKey: API_KEY });

      // Assess
      expect(problems.join('; ')).toContain(problem);
    });
  });

  describe('expectContractOutcome', () => {
    const json = (statusCode: number, body: object, contentType = 'application/json') => ({
      value: { statusCode, headers: { 'Content-Type': contentType }, body: JSON.stringify(body) },
    });
    const RESULT = { out_order_no: 'A1', order_id: '1', state: 'REVOKED', already_cancelled: false };

    it.each([
      { name: 'a foreign error', settled: { error: new TypeError('x is undefined') }, http: false },
      { name: 'a named error without a code', settled: { error: Object.assign(new Error('oops'), { name: 'ValidationError' }) }, http: false },
      { name: 'a result with a fifth key', settled: { value: { ...RESULT, sign: 'ABC' } }, http: false },
      { name: 'a result with a numeric order_id', settled: { value: { ...RESULT, order_id: 1 } }, http: false },
      { name: 'a thrown error behind API Gateway', settled: { error: new ValidationError('INVALID_REASON', 'x') }, http: true },
      { name: 'the InternalError body', settled: json(500, { error: 'InternalError', code: 'INTERNAL_ERROR', message: 'INTERNAL_ERROR: x', request_id: 'r' }), http: true },
      { name: 'a status that does not match the name', settled: json(500, { error: 'ValidationError', code: 'X', message: 'X: y', request_id: 'r' }), http: true },
      { name: 'a message not led by its code', settled: json(400, { error: 'ValidationError', code: 'X', message: 'Y: y', request_id: 'r' }), http: true },
      { name: 'a text/plain error', settled: json(400, { error: 'ValidationError', code: 'X', message: 'X: y', request_id: 'r' }, 'text/plain'), http: true },
    ])('rejects $name', ({ settled, http }) => {
      // Act
      const check = () => expectContractOutcome(settled, { http, requestId: 'r' });

      // Assess
      expect(check).toThrow();
    });

    it.each([
      { name: 'a named error', settled: { error: new ValidationError('INVALID_REASON', 'x') }, http: false, answer: { errorName: 'ValidationError' } },
      { name: 'a result', settled: { value: RESULT }, http: false, answer: { result: RESULT } },
      { name: 'a 409 response', settled: json(409, { error: 'OrderStateError', code: 'INVALID_ORDER_STATE', message: 'INVALID_ORDER_STATE: x', request_id: 'r' }), http: true, answer: { errorName: 'OrderStateError' } },
    ])('accepts $name', ({ settled, http, answer }) => {
      // Act
      const told = expectContractOutcome(settled, { http, requestId: 'r' });

      // Assess
      expect(told).toEqual(answer);
    });
  });

  describe('snapshotPrototypes', () => {
    it('notices a key added to Object.prototype, and its removal', () => {
      // Prepare
      const prototypes = snapshotPrototypes();

      // Act
      let caught: unknown;
      (Object.prototype as Record<string, unknown>).polluted = 'yes';
      try {
        prototypes.expectUnchanged();
      } catch (error) {
        caught = error;
      } finally {
        delete (Object.prototype as Record<string, unknown>).polluted;
      }

      // Assess
      expect(caught).toBeInstanceOf(Error);
      expect(() => prototypes.expectUnchanged()).not.toThrow();
    });
  });
});
