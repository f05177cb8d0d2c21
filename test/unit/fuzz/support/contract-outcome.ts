import { expect } from 'vitest';
import type { Settled } from './harness.js';

/** CONTRACT.md ("Errors"): the seven names and their HTTP statuses, written out here rather than imported from lib/. */
const HTTP_STATUS_BY_NAME: Readonly<Record<string, number>> = {
  ValidationError: 400,
  ConfigError: 500,
  OrderNotFoundError: 404,
  OrderStateError: 409,
  WechatPayError: 502,
  SignatureError: 502,
  TransientError: 503,
};
const CONTRACT_ERROR_NAMES = Object.keys(HTTP_STATUS_BY_NAME);
const CONTRACT_STATUSES = [200, ...new Set(Object.values(HTTP_STATUS_BY_NAME))];
const CODE = /^[A-Z][A-Z0-9_]*$/;
const MESSAGE = /^[A-Z][A-Z0-9_]*: /;

type ContractResult = { out_order_no: string; order_id: string; state: 'REVOKED' | 'EXPIRED'; already_cancelled: boolean };
/** What the caller was told: the result, or the name of the error. */
type Answer = { result: ContractResult } | { errorName: string };

/** Exactly the four keys of "The result", with their types. */
const expectContractResult = (value: unknown): ContractResult => {
  expect(value).toBeTypeOf('object');
  const result = value as Record<string, unknown>;
  expect(Object.keys(result).sort()).toEqual(['already_cancelled', 'order_id', 'out_order_no', 'state']);
  expect(result.out_order_no).toMatch(/^[0-9A-Za-z_\-|*]{1,32}$/);
  expect(result.order_id).toBeTypeOf('string');
  expect(['REVOKED', 'EXPIRED']).toContain(result.state);
  expect(result.already_cancelled).toBeTypeOf('boolean');
  return result as ContractResult;
};

/** A thrown error: one of the seven names, its message led by a machine code. */
const expectContractError = (error: unknown): void => {
  expect(error).toBeInstanceOf(Error);
  expect(CONTRACT_ERROR_NAMES).toContain((error as Error).name);
  expect((error as Error).message).toMatch(MESSAGE);
};

/** An API Gateway response: a contract status, JSON, and either the result or the error body. */
const expectContractResponse = (value: unknown, requestId: string): Answer => {
  const response = value as { statusCode: unknown; headers: Record<string, unknown> | undefined; body: unknown };
  expect(CONTRACT_STATUSES).toContain(response.statusCode);
  expect(response.headers?.['Content-Type']).toBe('application/json');
  expect(response.body).toBeTypeOf('string');
  const body: unknown = JSON.parse(response.body as string);
  if (response.statusCode === 200) return { result: expectContractResult(body) };
  const error = body as Record<string, unknown>;
  expect(Object.keys(error).sort()).toEqual(['code', 'error', 'message', 'request_id']);
  expect(CONTRACT_ERROR_NAMES).toContain(error.error);
  expect(HTTP_STATUS_BY_NAME[error.error as string]).toBe(response.statusCode);
  expect(error.code).toMatch(CODE);
  expect(String(error.message).startsWith(`${String(error.code)}: `)).toBe(true);
  expect(error.request_id).toBe(requestId);
  return { errorName: error.error as string };
};

/**
 * Asserts that an invocation ended as CONTRACT.md allows: behind API Gateway a response (never a
 * throw); elsewhere the result or a named error. Returns what the caller was told.
 */
const expectContractOutcome = (settled: Settled, options: { http: boolean; requestId: string }): Answer => {
  if (options.http) {
    expect(settled).toHaveProperty('value');
    return expectContractResponse((settled as { value: unknown }).value, options.requestId);
  }
  if ('error' in settled) {
    expectContractError(settled.error);
    return { errorName: (settled.error as Error).name };
  }
  return { result: expectContractResult(settled.value) };
};

export { expectContractOutcome, expectContractResult };
export type { Answer, ContractResult };
