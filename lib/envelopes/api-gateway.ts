import type { APIGatewayProxyResult } from 'aws-lambda';
import { isPlainObject } from '../command.js';
import { ERROR_NAMES, TransientError, ValidationError, isAppError } from '../errors.js';
import type { ErrorName } from '../errors.js';
import { COMMAND_FIELDS } from '../fields.js';
import type { ApiGatewayRequest } from './envelope.js';

/** Largest accepted body, in bytes once decoded. The command itself is well under 1 KiB. */
const MAX_BODY_BYTES = 16 * 1024;
/** Longest base64 text that can decode to at most MAX_BODY_BYTES. */
const MAX_BASE64_CHARS = Math.ceil(MAX_BODY_BYTES / 3) * 4;
/** Canonical base64 (RFC 4648 §4) with padding, no whitespace. */
const BASE64_PATTERN = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** HTTP status per error name: CONTRACT.md ("Errors"). Typed so a new name cannot go unmapped. */
const HTTP_STATUS: Readonly<Record<ErrorName, number>> = {
  ValidationError: 400,
  ConfigError: 500,
  OrderNotFoundError: 404,
  OrderStateError: 409,
  WechatPayError: 502,
  SignatureError: 502,
  TransientError: 503,
};
/** Seconds a client should wait before retrying a TransientError. */
const RETRY_AFTER_SECONDS = 1;

/** The event of either payload version. */
type ApiGatewayEvent = ApiGatewayRequest['event'];
type Outcome = { result: object } | { error: unknown };

const tooLarge = () => new ValidationError('BODY_TOO_LARGE', `the body must be at most ${MAX_BODY_BYTES} bytes`);

/**
 * The parts of a v2 event that `methodOf` reads, each possibly absent: `commandFromApiGateway` is
 * exported, and an event that did not come through `detectEnvelope` may lack them.
 */
type V2MethodPath = { requestContext?: { http?: { method?: unknown } } };

const methodOf = (request: ApiGatewayRequest): unknown => {
  if (request.envelope !== 'api-gateway-v2') return request.event.httpMethod;
  const event: V2MethodPath = request.event;
  return event.requestContext?.http?.method;
};

/** The body as text: base64 is checked strictly and the bytes must be valid UTF-8. */
const bodyText = (event: ApiGatewayEvent): string => {
  const body: unknown = event.body;
  if (
    body === undefined ||
    body === null ||
    // Stryker disable next-line ConditionalExpression,StringLiteral: an empty body reads as '' on either path below as well
    body === ''
  ) {
    return '';
  }
  if (typeof body !== 'string') throw new ValidationError('INVALID_BODY', 'the body must be text');
  // Only `true` itself means base64: the event is input, whatever its type says.
  const base64: unknown = event.isBase64Encoded;
  if (base64 !== true) {
    if (
      // Stryker disable next-line ConditionalExpression: a shortcut: the byte length below is never smaller than the length
      body.length > MAX_BODY_BYTES ||
      // Stryker disable next-line StringLiteral: Buffer.byteLength counts a string's UTF-8 bytes by default
      Buffer.byteLength(body, 'utf8') > MAX_BODY_BYTES
    ) {
      throw tooLarge();
    }
    return body;
  }
  if (body.length > MAX_BASE64_CHARS) throw tooLarge();
  if (!BASE64_PATTERN.test(body)) throw new ValidationError('INVALID_BODY', 'the body is not valid base64');
  const bytes = Buffer.from(body, 'base64');
  if (bytes.length > MAX_BODY_BYTES) throw tooLarge();
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new ValidationError('INVALID_BODY', 'the body is not valid UTF-8');
  }
};

/** The JSON body as an object; an absent body is `{}` so the missing fields are reported by name. */
const bodyObject = (event: ApiGatewayEvent): Record<string, unknown> => {
  const text = bodyText(event);
  if (text === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
    // Stryker disable next-line BlockStatement: emptied, text that is not JSON leaves `parsed` undefined: the same INVALID_BODY below
  } catch {
    throw new ValidationError('INVALID_BODY', 'the body must be a JSON object');
  }
  if (!isPlainObject(parsed)) throw new ValidationError('INVALID_BODY', 'the body must be a JSON object');
  return parsed;
};

/** `pathParameters.out_order_no`, already URL-decoded by API Gateway (decoding again would corrupt `%`). */
const pathOrderNo = (event: ApiGatewayEvent): unknown => {
  const parameters: unknown = event.pathParameters;
  return isPlainObject(parameters) && Object.hasOwn(parameters, 'out_order_no') ? parameters.out_order_no : undefined;
};

/**
 * Takes the raw command out of an API Gateway request (REST API payload 1.0 or HTTP API payload
 * 2.0): `POST /rental-orders/{out_order_no}/cancel` with a JSON body. Only the four command fields
 * are copied; `parseCommand` then validates them.
 *
 * @throws {ValidationError} `METHOD_NOT_ALLOWED` (not POST), `BODY_TOO_LARGE` (over 16 KiB),
 *   `INVALID_BODY` (bad base64, bad UTF-8, not a JSON object), `OUT_ORDER_NO_MISMATCH` (the path
 *   and the body name different orders).
 * @example
 * const enveloped = detectEnvelope(event);
 * if (answersOverHttp(enveloped)) raw = commandFromApiGateway(enveloped);
 */
const commandFromApiGateway = (request: ApiGatewayRequest): Record<string, unknown> => {
  const { event } = request;
  if (methodOf(request) !== 'POST') throw new ValidationError('METHOD_NOT_ALLOWED', 'only POST is allowed');
  const body = bodyObject(event);
  const command: Record<string, unknown> = {};
  for (const field of COMMAND_FIELDS) {
    if (Object.hasOwn(body, field)) command[field] = body[field];
  }
  const fromPath = pathOrderNo(event);
  if (fromPath !== undefined) {
    const fromBody = command.out_order_no;
    // A non-string body value is left for parseCommand, which names the real problem.
    if (typeof fromBody === 'string' && fromBody !== fromPath) {
      throw new ValidationError('OUT_ORDER_NO_MISMATCH', 'out_order_no in the body differs from the one in the path');
    }
    if (fromBody === undefined) command.out_order_no = fromPath;
  }
  return command;
};

const isErrorName = (name: string): name is ErrorName => (ERROR_NAMES as readonly string[]).includes(name);

const jsonResponse = (statusCode: number, body: object, extraHeaders: Record<string, string> = {}): APIGatewayProxyResult => ({
  statusCode,
  headers: { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', ...extraHeaders },
  body: JSON.stringify(body),
});

/**
 * Turns an outcome into the HTTP response of CONTRACT.md, for both payload versions: 200 with the
 * result, or the error's status with `{error, code, message, request_id}`. The only place that
 * maps errors to HTTP. An error that is not one of the contract's named errors becomes a 500 with
 * a generic message: its own message may hold anything and is never returned. Never throws.
 *
 * @example
 * return toApiGatewayResponse({ result }, context.awsRequestId);
 */
const toApiGatewayResponse = (outcome: Outcome, requestId: string): APIGatewayProxyResult => {
  if ('result' in outcome) return jsonResponse(200, outcome.result);
  const { error } = outcome;
  if (isAppError(error) && isErrorName(error.name)) {
    const body = { error: error.name, code: error.code, message: error.message, request_id: requestId };
    const headers: Record<string, string> = error instanceof TransientError ? { 'Retry-After': String(RETRY_AFTER_SECONDS) } : {};
    return jsonResponse(HTTP_STATUS[error.name], body, headers);
  }
  return jsonResponse(500, {
    error: 'InternalError',
    code: 'INTERNAL_ERROR',
    message: `INTERNAL_ERROR: unexpected error, see logs with request_id ${requestId}`,
    request_id: requestId,
  });
};

export { commandFromApiGateway, toApiGatewayResponse, HTTP_STATUS, MAX_BODY_BYTES };
export type { ApiGatewayEvent, Outcome };
