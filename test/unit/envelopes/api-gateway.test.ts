import { describe, expect, it } from 'vitest';
import { parseCommand } from '../../../lib/command.js';
import {
  ConfigError,
  ERROR_NAMES,
  OrderNotFoundError,
  OrderStateError,
  SignatureError,
  TransientError,
  ValidationError,
  WechatPayError,
} from '../../../lib/errors.js';
import type { AppError } from '../../../lib/errors.js';
import { commandFromApiGateway, MAX_BODY_BYTES, toApiGatewayResponse } from '../../../lib/envelopes/index.js';
import type { ApiGatewayRequest, ApiGatewayVersion } from '../../../lib/envelopes/index.js';
import { loadEvent } from '../../fixtures/events/index.js';

const ORDER_NO = '1234323JKHDFE1243252';
const REQUEST_ID = 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef';
const VERSIONS: { version: ApiGatewayVersion }[] = [{ version: 'api-gateway-v1' }, { version: 'api-gateway-v2' }];

/** The sample request of a payload version, with a plain (not base64) JSON body unless told otherwise. */
const requestWith = (version: ApiGatewayVersion, changes: Record<string, unknown>): ApiGatewayRequest => {
  const base = version === 'api-gateway-v1' ? loadEvent('api-gateway-v1') : loadEvent('api-gateway-v2');
  // The changes may break the AWS type on purpose (a missing method, a non-string body).
  return { envelope: version, event: { ...base, isBase64Encoded: false, ...changes } } as ApiGatewayRequest;
};

const jsonBody = (body: Record<string, unknown>) => ({ body: JSON.stringify(body), isBase64Encoded: false });
const base64Body = (text: string | Buffer) => ({ body: Buffer.from(text).toString('base64'), isBase64Encoded: true });
/** A JSON object body of exactly `bytes` UTF-8 bytes. */
const bodyOfBytes = (bytes: number): string => {
  const head = '{"reason":"ok","padding":"';
  return `${head}${'x'.repeat(bytes - head.length - 2)}"}`;
};

const thrownBy = (act: () => unknown): Error => {
  try {
    act();
  } catch (error) {
    if (error instanceof Error) return error;
  }
  throw new Error('no Error was thrown');
};

describe('envelopes/api-gateway', () => {
  describe('commandFromApiGateway', () => {
    it.each<{ name: string; request: ApiGatewayRequest }>([
      { name: 'the REST API sample (plain body)', request: { envelope: 'api-gateway-v1', event: loadEvent('api-gateway-v1') } },
      { name: 'the HTTP API sample (base64 body)', request: { envelope: 'api-gateway-v2', event: loadEvent('api-gateway-v2') } },
    ])('takes the command from $name', ({ request }) => {
      // Act
      const raw = commandFromApiGateway(request);

      // Assess
      expect(raw).toStrictEqual({
        out_order_no: ORDER_NO,
        reason: '用户投诉',
        service_id: '2002000000000558128851361561536',
        appid: 'wxd678efh567hg6787',
      });
    });

    it.each([
      { name: 'GET on v1', version: 'api-gateway-v1' as const, changes: { httpMethod: 'GET' } },
      { name: 'lower-case post on v1', version: 'api-gateway-v1' as const, changes: { httpMethod: 'post' } },
      {
        name: 'PUT on v2',
        version: 'api-gateway-v2' as const,
        changes: { requestContext: { ...loadEvent('api-gateway-v2').requestContext, http: { method: 'PUT' } } },
      },
      { name: 'a missing method on v1', version: 'api-gateway-v1' as const, changes: { httpMethod: undefined } },
      { name: 'a missing requestContext.http on v2', version: 'api-gateway-v2' as const, changes: { requestContext: {} } },
      { name: 'a missing requestContext on v2', version: 'api-gateway-v2' as const, changes: { requestContext: undefined } },
    ])('rejects $name as METHOD_NOT_ALLOWED', ({ version, changes }) => {
      // Prepare
      const request = requestWith(version, changes);

      // Act
      const error = thrownBy(() => commandFromApiGateway(request));

      // Assess
      expect(error).toBeInstanceOf(ValidationError);
      expect(error).toMatchObject({ code: 'METHOD_NOT_ALLOWED' });
    });

    it.each([
      { name: 'null', body: null },
      { name: 'undefined', body: undefined },
      { name: 'the empty string', body: '' },
    ])('treats a $name body as {} so parseCommand reports MISSING_REASON', ({ body }) => {
      // Prepare
      const request = requestWith('api-gateway-v1', { body });

      // Act
      const raw = commandFromApiGateway(request);

      // Assess
      expect(raw).toStrictEqual({ out_order_no: ORDER_NO });
      expect(() => parseCommand(raw, { appid: 'wx1', serviceId: '1' })).toThrow(/^MISSING_REASON: /);
    });

    it.each(VERSIONS)('decodes a base64 body on $version', ({ version }) => {
      // Prepare
      const request = requestWith(version, base64Body(JSON.stringify({ reason: '用户投诉', appid: 'wx1' })));

      // Act
      const raw = commandFromApiGateway(request);

      // Assess
      expect(raw).toStrictEqual({ out_order_no: ORDER_NO, reason: '用户投诉', appid: 'wx1' });
    });

    describe('out_order_no from the path and the body', () => {
      it.each([
        { name: 'takes it from the path when the body has none', body: { reason: 'r' }, expected: ORDER_NO },
        { name: 'accepts the same value in both', body: { reason: 'r', out_order_no: ORDER_NO }, expected: ORDER_NO },
        { name: 'passes a non-string body value on for parseCommand', body: { reason: 'r', out_order_no: 1 }, expected: 1 },
      ])('$name', ({ body, expected }) => {
        // Prepare
        const request = requestWith('api-gateway-v2', jsonBody(body));

        // Act
        const raw = commandFromApiGateway(request);

        // Assess
        expect(raw.out_order_no).toBe(expected);
      });

      it.each(VERSIONS)('rejects different values in path and body as OUT_ORDER_NO_MISMATCH on $version', ({ version }) => {
        // Prepare
        const request = requestWith(version, jsonBody({ reason: 'r', out_order_no: `${ORDER_NO}X` }));

        // Act
        const error = thrownBy(() => commandFromApiGateway(request));

        // Assess
        expect(error).toBeInstanceOf(ValidationError);
        expect(error).toMatchObject({ code: 'OUT_ORDER_NO_MISMATCH' });
        expect(error.message).not.toContain(ORDER_NO);
      });

      it.each([
        { name: 'null path parameters (v1 without a path parameter)', version: 'api-gateway-v1' as const, changes: { pathParameters: null } },
        { name: 'absent path parameters (v2 without a path parameter)', version: 'api-gateway-v2' as const, changes: { pathParameters: undefined } },
        { name: 'other path parameters', version: 'api-gateway-v2' as const, changes: { pathParameters: { id: 'Z9' } } },
      ])('takes it from the body with $name', ({ version, changes }) => {
        // Prepare
        const request = requestWith(version, { ...changes, ...jsonBody({ reason: 'r', out_order_no: 'BODY1' }) });

        // Act
        const raw = commandFromApiGateway(request);

        // Assess
        expect(raw).toStrictEqual({ reason: 'r', out_order_no: 'BODY1' });
      });

      it('does not URL-decode the path parameter again', () => {
        // Prepare
        const request = requestWith('api-gateway-v1', { pathParameters: { out_order_no: 'A%7C1' }, ...jsonBody({ reason: 'r' }) });

        // Act
        const raw = commandFromApiGateway(request);

        // Assess
        expect(raw.out_order_no).toBe('A%7C1');
        expect(() => parseCommand(raw, { appid: 'wx1', serviceId: '1' })).toThrow(/^INVALID_OUT_ORDER_NO: /);
      });
    });

    it('copies only the four command fields, never __proto__ or extras', () => {
      // Prepare
      const body = '{"__proto__":{"reason":"polluted"},"mch_id":"1230000109","sign":"X","reason":"r","appid":"wx1"}';
      const request = requestWith('api-gateway-v2', { body });

      // Act
      const raw = commandFromApiGateway(request);

      // Assess
      expect(raw).toStrictEqual({ out_order_no: ORDER_NO, reason: 'r', appid: 'wx1' });
      expect(Object.keys(raw).sort()).toEqual(['appid', 'out_order_no', 'reason']);
    });

    it.each([
      { name: 'text that is not JSON', changes: { body: 'reason=r' } },
      { name: 'a JSON array', changes: { body: '[{"reason":"r"}]' } },
      { name: 'JSON null', changes: { body: 'null' } },
      { name: 'a JSON string', changes: { body: '"r"' } },
      { name: 'a JSON number', changes: { body: '42' } },
      { name: 'base64 text not flagged as base64', changes: { body: Buffer.from('{"reason":"r"}').toString('base64') } },
      { name: 'base64 with a character outside the alphabet', changes: { body: 'eyJyZWFzb24iOiJyIn0=!', isBase64Encoded: true } },
      { name: 'base64 without its padding', changes: { body: 'eyJyZWFzb24iOiJyIn0', isBase64Encoded: true } },
      { name: 'base64 with a line break', changes: { body: 'eyJyZWFz\nb24iOiJyIn0=', isBase64Encoded: true } },
      { name: 'base64url', changes: { body: Buffer.from('{"r":"??>"}').toString('base64url'), isBase64Encoded: true } },
      {
        name: 'base64 of invalid UTF-8 inside a JSON string',
        changes: base64Body(Buffer.concat([Buffer.from('{"reason":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')])),
      },
      { name: 'base64 of a JSON array', changes: base64Body('[]') },
      { name: 'a non-string body', changes: { body: { reason: 'r' } } },
    ])('rejects $name as INVALID_BODY', ({ changes }) => {
      // Prepare
      const request = requestWith('api-gateway-v1', changes);

      // Act
      const error = thrownBy(() => commandFromApiGateway(request));

      // Assess
      expect(error).toBeInstanceOf(ValidationError);
      expect(error).toMatchObject({ code: 'INVALID_BODY' });
      expect(error.message.startsWith('INVALID_BODY: ')).toBe(true);
    });

    it.each([
      { name: 'a GET', changes: { httpMethod: 'GET' }, message: 'METHOD_NOT_ALLOWED: only POST is allowed' },
      { name: 'a non-string body', changes: { body: { reason: 'r' } }, message: 'INVALID_BODY: the body must be text' },
      { name: 'bad base64', changes: { body: 'eyJ!', isBase64Encoded: true }, message: 'INVALID_BODY: the body is not valid base64' },
      { name: 'base64 of bytes that are not UTF-8', changes: base64Body(Buffer.from([0x7b, 0xff, 0x7d])), message: 'INVALID_BODY: the body is not valid UTF-8' },
      { name: 'a body that is not JSON', changes: { body: 'reason=r' }, message: 'INVALID_BODY: the body must be a JSON object' },
      { name: 'a JSON array', changes: { body: '[]' }, message: 'INVALID_BODY: the body must be a JSON object' },
      { name: 'a body over 16 KiB', changes: { body: bodyOfBytes(MAX_BODY_BYTES + 1) }, message: 'BODY_TOO_LARGE: the body must be at most 16384 bytes' },
      {
        name: 'another order in the body',
        changes: jsonBody({ reason: 'r', out_order_no: 'OTHER' }),
        message: 'OUT_ORDER_NO_MISMATCH: out_order_no in the body differs from the one in the path',
      },
    ])('states what is wrong with $name', ({ changes, message }) => {
      // Prepare
      const request = requestWith('api-gateway-v1', changes);

      // Act
      const error = thrownBy(() => commandFromApiGateway(request));

      // Assess
      expect(error).toBeInstanceOf(ValidationError);
      expect(error.message).toBe(message);
    });

    describe('body size', () => {
      it.each([
        { name: 'a plain body of exactly 16 KiB', changes: { body: bodyOfBytes(MAX_BODY_BYTES) } },
        { name: 'a base64 body of exactly 16 KiB', changes: base64Body(bodyOfBytes(MAX_BODY_BYTES)) },
      ])('accepts $name', ({ changes }) => {
        // Prepare
        const request = requestWith('api-gateway-v2', changes);

        // Act
        const raw = commandFromApiGateway(request);

        // Assess
        expect(raw).toStrictEqual({ out_order_no: ORDER_NO, reason: 'ok' });
      });

      it.each([
        { name: 'a plain body one byte over 16 KiB', changes: { body: bodyOfBytes(MAX_BODY_BYTES + 1) } },
        { name: 'a plain body over 16 KiB in UTF-8 but not in characters', changes: jsonBody({ reason: '退'.repeat(5500) }) },
        { name: 'a base64 body one byte over 16 KiB', changes: base64Body(bodyOfBytes(MAX_BODY_BYTES + 1)) },
        { name: 'a huge base64 body', changes: { body: 'A'.repeat(1_000_000), isBase64Encoded: true } },
        { name: 'a base64 body too long to decode, before its alphabet is checked', changes: { body: `${'A'.repeat(21_848)}!!!!`, isBase64Encoded: true } },
      ])('rejects $name as BODY_TOO_LARGE', ({ changes }) => {
        // Prepare
        const request = requestWith('api-gateway-v2', changes);

        // Act
        const error = thrownBy(() => commandFromApiGateway(request));

        // Assess
        expect(error).toBeInstanceOf(ValidationError);
        expect(error).toMatchObject({ code: 'BODY_TOO_LARGE' });
      });
    });
  });

  describe('toApiGatewayResponse', () => {
    it('answers 200 with the result as JSON', () => {
      // Prepare
      const result = { out_order_no: ORDER_NO, order_id: '15646546545165651651', state: 'REVOKED', already_cancelled: false };

      // Act
      const response = toApiGatewayResponse({ result }, REQUEST_ID);

      // Assess
      expect(response.statusCode).toBe(200);
      expect(response.headers).toMatchObject({ 'Content-Type': 'application/json' });
      expect(JSON.parse(response.body)).toStrictEqual(result);
    });

    it.each<{ name: string; error: AppError; status: number }>([
      { name: 'ValidationError', error: new ValidationError('INVALID_REASON', 'reason must be 1-50 characters'), status: 400 },
      { name: 'ConfigError', error: new ConfigError('CONFIG_INVALID', 'WECHATPAY_SECRET_ID is required'), status: 500 },
      { name: 'OrderNotFoundError', error: new OrderNotFoundError('ORDERNOTEXIST', 'no such order'), status: 404 },
      { name: 'OrderStateError', error: new OrderStateError('INVALID_ORDER_STATE', 'order is FINISHED'), status: 409 },
      { name: 'WechatPayError', error: new WechatPayError('NOAUTH', 'merchant lacks permission'), status: 502 },
      { name: 'SignatureError', error: new SignatureError('SIGNATURE_INVALID', 'reply signature is wrong'), status: 502 },
      { name: 'TransientError', error: new TransientError('SYSTEMERROR', 'server busy', { phase: 'sent' }), status: 503 },
    ])('maps $name to $status with the contract body', ({ name, error, status }) => {
      // Act
      const response = toApiGatewayResponse({ error }, REQUEST_ID);

      // Assess
      expect(response.statusCode).toBe(status);
      expect(response.headers).toMatchObject({ 'Content-Type': 'application/json' });
      expect(JSON.parse(response.body)).toStrictEqual({
        error: name,
        code: error.code,
        message: error.message,
        request_id: REQUEST_ID,
      });
    });

    it.each([
      { name: 'a result', outcome: { result: { state: 'REVOKED' } }, extra: {} },
      { name: 'a contract error', outcome: { error: new OrderStateError('INVALID_ORDER_STATE', 'x') }, extra: {} },
      { name: 'a retryable error', outcome: { error: new TransientError('SYSTEMERROR', 'x') }, extra: { 'Retry-After': '1' } },
      { name: 'a foreign error', outcome: { error: new Error('x') }, extra: {} },
    ])('tells every cache never to store the answer to $name (Cache-Control: no-store)', ({ outcome, extra }) => {
      // Act
      const response = toApiGatewayResponse(outcome, REQUEST_ID);

      // Assess
      expect(response.headers).toStrictEqual({ 'Content-Type': 'application/json', 'Cache-Control': 'no-store', ...extra });
    });

    it('covers every public error name', () => {
      // Prepare
      const errors = [
        new ValidationError('C', 'd'),
        new ConfigError('C', 'd'),
        new OrderNotFoundError('C', 'd'),
        new OrderStateError('C', 'd'),
        new WechatPayError('C', 'd'),
        new SignatureError('C', 'd'),
        new TransientError('C', 'd'),
      ];

      // Act
      const answered = errors.map((error) => (JSON.parse(toApiGatewayResponse({ error }, REQUEST_ID).body) as { error: string }).error);

      // Assess
      expect(answered).toEqual([...ERROR_NAMES]);
    });

    it.each<{ name: string; error: AppError; retryAfter: string | undefined }>([
      { name: 'a TransientError', error: new TransientError('SYSTEMERROR', 'busy'), retryAfter: '1' },
      { name: 'a WechatPayError', error: new WechatPayError('NOAUTH', 'no'), retryAfter: undefined },
      { name: 'a ValidationError', error: new ValidationError('INVALID_REASON', 'no'), retryAfter: undefined },
    ])('sets Retry-After only for retryable errors: $name', ({ error, retryAfter }) => {
      // Act
      const response = toApiGatewayResponse({ error }, REQUEST_ID);

      // Assess
      expect(response.headers?.['Retry-After']).toBe(retryAfter);
    });

    it.each([
      { name: 'a plain Error', error: new Error('connect ECONNREFUSED api_key=192006250b4c09247ec02edce69f6a2d') },
      { name: 'a TypeError', error: new TypeError("Cannot read properties of undefined (reading 'api_key')") },
      { name: 'a thrown string', error: 'api_key=192006250b4c09247ec02edce69f6a2d' },
      { name: 'undefined', error: undefined },
      {
        name: 'a look-alike of a named error',
        error: Object.assign(new Error('INVALID_REASON: forged'), { name: 'ValidationError', code: 'INVALID_REASON' }),
      },
    ])('answers $name with a generic 500 that leaks nothing', ({ error }) => {
      // Act
      const response = toApiGatewayResponse({ error }, REQUEST_ID);

      // Assess
      expect(response.statusCode).toBe(500);
      expect(response.headers).toMatchObject({ 'Content-Type': 'application/json' });
      expect(JSON.parse(response.body)).toStrictEqual({
        error: 'InternalError',
        code: 'INTERNAL_ERROR',
        message: `INTERNAL_ERROR: unexpected error, see logs with request_id ${REQUEST_ID}`,
        request_id: REQUEST_ID,
      });
      expect(response.body).not.toMatch(/api_key|ECONNREFUSED|forged/);
    });
  });
});
