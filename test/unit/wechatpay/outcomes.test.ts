import { describe, expect, it } from 'vitest';
import { OrderNotFoundError, TransientError, ValidationError, WechatPayError } from '../../../lib/errors.js';
import {
  ERR_CODE_OUTCOMES,
  classifyHttpStatus,
  classifyResultFail,
  classifyReturnFail,
  isAmbiguousRefusal,
  isCredentialRefusal,
  isRateLimited,
} from '../../../lib/wechatpay/outcomes.js';

const flagsOf = (error: unknown) => ({
  ambiguous: isAmbiguousRefusal(error),
  credentialRefusal: isCredentialRefusal(error),
  rateLimited: isRateLimited(error),
});
const NO_FLAGS = { ambiguous: false, credentialRefusal: false, rateLimited: false };

const resultFail = (extra: Record<string, string>) => ({ return_code: 'SUCCESS', result_code: 'FAIL', ...extra });

// Spec §6, written out independently of the table it checks.
const ERR_CODE_ROWS = [
  { name: 'SYSTEMERROR', errorName: 'TransientError', retryable: true, flags: NO_FLAGS },
  { name: 'SYSTEM_ERROR', errorName: 'TransientError', retryable: true, flags: NO_FLAGS },
  { name: 'FREQUENCY_LIMITED', errorName: 'TransientError', retryable: true, flags: { ...NO_FLAGS, rateLimited: true } },
  { name: 'RATE_LIMITED', errorName: 'TransientError', retryable: true, flags: { ...NO_FLAGS, rateLimited: true } },
  { name: 'ORDERNOTEXIST', errorName: 'OrderNotFoundError', retryable: false, flags: NO_FLAGS },
  { name: 'ORDER_NOT_EXIST', errorName: 'OrderNotFoundError', retryable: false, flags: NO_FLAGS },
  { name: 'NOT_EXISTS', errorName: 'OrderNotFoundError', retryable: false, flags: NO_FLAGS },
  { name: 'PARAM_ERROR', errorName: 'WechatPayError', retryable: false, flags: { ...NO_FLAGS, ambiguous: true } },
  { name: 'INVALID_ORDER_STATE', errorName: 'WechatPayError', retryable: false, flags: { ...NO_FLAGS, ambiguous: true } },
  { name: 'SIGNERROR', errorName: 'WechatPayError', retryable: false, flags: { ...NO_FLAGS, credentialRefusal: true } },
  { name: 'NOAUTH', errorName: 'WechatPayError', retryable: false, flags: NO_FLAGS },
  { name: 'NO_AUTH', errorName: 'WechatPayError', retryable: false, flags: NO_FLAGS },
  { name: 'INVALID_REQUEST', errorName: 'WechatPayError', retryable: false, flags: NO_FLAGS },
];

describe('wechatpay/outcomes', () => {
  describe('tables', () => {
    it('lists exactly the err_code rows of spec §6', () => {
      // Act
      const codes = Object.keys(ERR_CODE_OUTCOMES).sort();

      // Assess
      expect(codes).toEqual(ERR_CODE_ROWS.map((row) => row.name).sort());
    });
  });

  describe('classifyResultFail', () => {
    it.each(ERR_CODE_ROWS)('maps err_code $name to $errorName', ({ name, errorName, retryable, flags }) => {
      // Act
      const error = classifyResultFail(resultFail({ err_code: name, err_code_des: '撤销失败，请确认入参' }));

      // Assess
      expect(error.name).toBe(errorName);
      expect(error.code).toBe(name);
      expect(error.message).toBe(`${name}: 撤销失败，请确认入参`);
      expect(error instanceof TransientError).toBe(retryable);
      expect(flagsOf(error)).toEqual(flags);
      expect(ERR_CODE_OUTCOMES[name]?.retryable).toBe(retryable);
    });

    it.each(['ORDERPAID', 'ORDER_PAID', 'ORDERCLOSED', 'ORDER_CLOSED', 'ORDER_FINISHED', 'ORDER_REVOKED', 'ORDER_EXPIRED'])('answers the unlisted "wrong state" spelling %s from queryrentbill', (code) => {
      // Act
      const error = classifyResultFail(resultFail({ err_code: code, err_code_des: 'refused' }));

      // Assess
      expect(error.name).toBe('WechatPayError');
      expect(error.message).toBe(`${code}: refused`);
      expect(error instanceof TransientError).toBe(false);
      expect(flagsOf(error)).toEqual({ ...NO_FLAGS, ambiguous: true });
    });

    it('throws retryable codes as sent-phase TransientError', () => {
      // Act
      const error = classifyResultFail(resultFail({ err_code: 'SYSTEMERROR' }));

      // Assess
      expect(error).toBeInstanceOf(TransientError);
      expect(error).toMatchObject({ phase: 'sent' });
    });

    it('maps an unknown err_code to an ambiguous WechatPayError (answered from queryrentbill)', () => {
      // Act
      const error = classifyResultFail(resultFail({ err_code: 'BRAND_NEW_CODE', err_code_des: 'paid' }));

      // Assess
      expect(error).toBeInstanceOf(WechatPayError);
      expect(error.message).toBe('BRAND_NEW_CODE: paid');
      expect(flagsOf(error)).toEqual({ ...NO_FLAGS, ambiguous: true });
      expect(isAmbiguousRefusal(new WechatPayError('BRAND_NEW_CODE', 'same code, not from a reply'))).toBe(false);
    });

    it.each<{ name: string; extra: Record<string, string> }>([
      { name: 'missing', extra: {} },
      { name: 'empty', extra: { err_code: '' } },
      { name: 'lower-case', extra: { err_code: 'systemerror' } },
      { name: 'holding blanks', extra: { err_code: 'PARAM ERROR' } },
      { name: 'holding a line break', extra: { err_code: 'PARAM_ERROR\nX' } },
      { name: 'too long', extra: { err_code: 'A'.repeat(65) } },
      { name: 'a prototype name', extra: { err_code: '__proto__' } },
    ])('uses UNKNOWN_ERROR when err_code is $name', ({ extra }) => {
      // Act
      const error = classifyResultFail(resultFail(extra));

      // Assess
      expect(error).toBeInstanceOf(WechatPayError);
      expect(error.code).toBe('UNKNOWN_ERROR');
      expect(flagsOf(error)).toEqual({ ...NO_FLAGS, ambiguous: true });
    });

    it.each([
      { name: 'FAIL', fields: resultFail({ err_code: 'NOAUTH' }), expected: 'NOAUTH: result_code=FAIL' },
      { name: 'missing', fields: { return_code: 'SUCCESS', err_code: 'NOAUTH' }, expected: 'NOAUTH: result_code=(missing)' },
    ])('says result_code is $name when there is no err_code_des', ({ fields, expected }) => {
      // Act
      const error = classifyResultFail(fields);

      // Assess
      expect(error.message).toBe(expected);
    });

    it('strips control characters from err_code_des and keeps at most 120 characters', () => {
      // Prepare
      const description = `bad\u0000\r\nline\u202e${'长'.repeat(200)}`;

      // Act
      const error = classifyResultFail(resultFail({ err_code: 'INVALID_REQUEST', err_code_des: description }));

      // Assess
      expect(error.message).toBe(`INVALID_REQUEST: bad line ${'长'.repeat(111)}`);
    });
  });

  describe('classifyReturnFail', () => {
    it.each([
      { name: '签名错误', msg: '签名错误', code: 'SIGNERROR', credential: true },
      { name: 'sign error', msg: 'sign error', code: 'SIGNERROR', credential: true },
      { name: 'SIGN ERROR', msg: 'SIGN ERROR', code: 'SIGNERROR', credential: true },
      { name: 'SIGNERROR', msg: 'SIGNERROR', code: 'SIGNERROR', credential: true },
      { name: 'XML格式错误', msg: 'XML格式错误', code: 'XML_FORMAT_ERROR', credential: false },
      { name: 'System Error', msg: 'System Error', code: 'SYSTEM_ERROR', credential: false },
      { name: 'system error', msg: 'system error', code: 'SYSTEM_ERROR', credential: false },
      { name: 'SystemError', msg: 'SystemError', code: 'SYSTEM_ERROR', credential: false },
      { name: 'other text', msg: 'mch_id参数格式错误', code: 'RETURN_CODE_FAIL', credential: false },
    ])('maps return_msg "$name" to $code, not retryable', ({ msg, code, credential }) => {
      // Act
      const error = classifyReturnFail({ return_code: 'FAIL', return_msg: msg });

      // Assess
      expect(error).toBeInstanceOf(WechatPayError);
      expect(error.message).toBe(`${code}: return_code=FAIL: ${msg}`);
      expect(flagsOf(error)).toEqual({ ...NO_FLAGS, credentialRefusal: credential });
    });

    it('uses retcode and retmsg when return_msg is absent', () => {
      // Act
      const error = classifyReturnFail({ retcode: '-1', retmsg: 'param mch_id invalid' });

      // Assess
      expect(error).toBeInstanceOf(WechatPayError);
      expect(error.message).toBe('RETURN_CODE_FAIL: retcode=-1: param mch_id invalid');
    });

    it('reads retmsg wording like return_msg', () => {
      // Act
      const error = classifyReturnFail({ return_code: 'FAIL', retcode: '1', retmsg: '签名错误' });

      // Assess
      expect(error.message).toBe('SIGNERROR: return_code=FAIL: 签名错误');
      expect(isCredentialRefusal(error)).toBe(true);
    });

    it('quotes an empty text when there is no message at all', () => {
      // Act
      const error = classifyReturnFail({ return_code: 'FAIL' });

      // Assess
      expect(error.message).toBe('RETURN_CODE_FAIL: return_code=FAIL: ');
    });

    it('sanitizes the quoted server text', () => {
      // Prepare
      const msg = `System\tError\u0007 ${'x'.repeat(300)}`;

      // Act
      const error = classifyReturnFail({ return_code: 'FAIL\n', return_msg: msg });

      // Assess
      expect(error.message).toBe(`SYSTEM_ERROR: return_code=FAIL: System Error ${'x'.repeat(107)}`);
    });

    it('treats a reply with neither return_code nor retcode as a transient invalid reply', () => {
      // Act
      const error = classifyReturnFail({ result_code: 'SUCCESS' });

      // Assess
      expect(error).toBeInstanceOf(TransientError);
      expect(error).toMatchObject({ code: 'INVALID_REPLY', phase: 'sent', message: 'INVALID_REPLY: the reply has no return_code' });
    });
  });

  describe('classifyHttpStatus', () => {
    it.each([{ status: 200 }, { status: 204 }, { status: 299 }])('accepts HTTP $status', ({ status }) => {
      // Act
      const error = classifyHttpStatus(status, '<xml></xml>');

      // Assess
      expect(error).toBeUndefined();
    });

    it.each([{ status: 500 }, { status: 502 }, { status: 503 }, { status: 599 }])('maps HTTP $status to a sent-phase TransientError', ({ status }) => {
      // Act
      const error = classifyHttpStatus(status, 'SSL certificate');

      // Assess
      expect(error).toBeInstanceOf(TransientError);
      expect(error).toMatchObject({ code: `HTTP_${status}`, phase: 'sent', message: `HTTP_${status}: WeChat Pay answered HTTP ${status}` });
      expect(flagsOf(error)).toEqual(NO_FLAGS);
    });

    it('maps HTTP 429 to a rate-limited TransientError', () => {
      // Act
      const error = classifyHttpStatus(429, 'Too Many Requests');

      // Assess
      expect(error).toBeInstanceOf(TransientError);
      expect(error?.code).toBe('HTTP_429');
      expect(flagsOf(error)).toEqual({ ...NO_FLAGS, rateLimited: true });
    });

    it.each([
      {
        name: 'No required SSL certificate was sent',
        body: '<html>\r\n<head><title>400 No required SSL certificate was sent</title></head>\r\n<body>\r\n<center><h1>400 Bad Request</h1></center>\r\n<center>No required SSL certificate was sent</center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>',
        code: 'NO_CLIENT_CERT',
      },
      {
        name: 'The SSL certificate error',
        body: '<html>\r\n<head><title>400 The SSL certificate error</title></head>\r\n<body>\r\n<center><h1>400 Bad Request</h1></center>\r\n<center>The SSL certificate error</center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>',
        code: 'SSL_CERT_ERROR',
      },
    ])('maps the nginx 400 page "$name" to the credential refusal $code', ({ body, code }) => {
      // Act
      const error = classifyHttpStatus(400, body);

      // Assess
      expect(error).toBeInstanceOf(WechatPayError);
      expect(error?.code).toBe(code);
      expect(error?.message).toBe(
        code === 'NO_CLIENT_CERT' ? 'NO_CLIENT_CERT: WeChat Pay received no client certificate (HTTP 400)' : 'SSL_CERT_ERROR: WeChat Pay refused the client certificate (HTTP 400)',
      );
      expect(flagsOf(error)).toEqual({ ...NO_FLAGS, credentialRefusal: true });
    });

    it.each([
      { status: 400, body: '<html><body>400 Bad Request</body></html>' },
      { status: 403, body: 'Forbidden' },
      { status: 404, body: '' },
      { status: 301, body: '' },
      { status: 302, body: 'SSL certificate' },
      { status: 101, body: '' },
      { status: 300, body: '' },
      { status: 600, body: '' },
      { status: 600, body: 'The SSL certificate error' },
      { status: 399, body: 'The SSL certificate error' },
    ])('maps HTTP $status to a WechatPayError without flags', ({ status, body }) => {
      // Act
      const error = classifyHttpStatus(status, body);

      // Assess
      expect(error).toBeInstanceOf(WechatPayError);
      expect(error?.message).toBe(`HTTP_${status}: WeChat Pay answered HTTP ${status}`);
      expect(flagsOf(error)).toEqual(NO_FLAGS);
    });
  });

  describe('predicates', () => {
    it('read the flags set where the error was made, never a second lookup by code', () => {
      // Act
      const handMade = flagsOf(new WechatPayError('SSL_CERT_ERROR', 'TLS alert'));
      const flagged = flagsOf(new WechatPayError('SSL_CERT_ERROR', 'TLS alert', { credentialRefusal: true }));

      // Assess
      expect(handMade).toEqual(NO_FLAGS);
      expect(flagged).toEqual({ ...NO_FLAGS, credentialRefusal: true });
    });

    it.each([
      { name: 'a ValidationError sharing a table code', error: new ValidationError('PARAM_ERROR', 'x') },
      { name: 'a TransientError with a non-transient code', error: new TransientError('SIGNERROR', 'x') },
      { name: 'a WechatPayError with a transient code', error: new WechatPayError('RATE_LIMITED', 'x') },
      { name: 'an OrderNotFoundError with an ambiguous code', error: new OrderNotFoundError('INVALID_ORDER_STATE', 'x') },
      { name: 'a plain Error with a code', error: Object.assign(new Error('SIGNERROR: x'), { code: 'SIGNERROR' }) },
      { name: 'an object that looks like an error', error: { name: 'WechatPayError', code: 'PARAM_ERROR' } },
      { name: 'undefined', error: undefined },
      { name: 'a string', error: 'SIGNERROR' },
      { name: 'a prototype-named code', error: new WechatPayError('constructor', 'x') },
    ])('are all false for $name', ({ error }) => {
      // Act
      const flags = flagsOf(error);

      // Assess
      expect(flags).toEqual(NO_FLAGS);
    });
  });
});
