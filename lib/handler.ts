import type { Context } from 'aws-lambda';
import { createCanceller } from './cancel-bill.js';
import type { CancelResult, CancelTrace } from './cancel-bill.js';
import { parseCommand } from './command.js';
import type { Config } from './config.js';
import type { Deps, Log } from './deps.js';
import { commandFromApiGateway, commandFromEventBridge, detectEnvelope, toApiGatewayResponse } from './envelopes/index.js';
import { isAppError } from './errors.js';
import { createWechatPayClient } from './wechatpay/index.js';

/** Time kept back from the Lambda deadline so the function can still answer (and log) after its last attempt. */
const DEADLINE_MARGIN_MS = 1000;
const SAFE_ORDER_NO = /^[0-9A-Za-z_\-|*]{1,32}$/;

/** The configuration, or the error that reading it raised: reported per invocation, never at import. */
type Setup = { logger: Log } & ({ config: Config; deps: Deps } | { error: Error });

const describeError = (error: unknown): Record<string, unknown> =>
  isAppError(error)
    ? { error_name: error.name, error_code: error.code, error_message: error.message }
    : { error_name: error instanceof Error ? error.name : typeof error, error_code: 'INTERNAL_ERROR' };

const orderNoOf = (raw: unknown): string | undefined => {
  const value = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>).out_order_no : undefined;
  return typeof value === 'string' && SAFE_ORDER_NO.test(value) ? value : undefined;
};

/**
 * Creates the Lambda handler: tells the envelope apart, validates the command, cancels, and logs
 * exactly one structured line per invocation. API Gateway gets an HTTP response; every other
 * envelope gets the result or the thrown named error.
 *
 * @throws {AppError} for direct, Step Functions and EventBridge invocations (see CONTRACT.md "Errors").
 * @example
 * export const handler = createHandler(setup);
 */
const createHandler = (setup: Setup) => {
  const canceller =
    'error' in setup
      ? undefined
      : createCanceller(
          {
            client: createWechatPayClient({ transport: setup.deps.transport, nonce: setup.deps.nonce }),
            secrets: setup.deps.secrets,
            hosts: setup.deps.hosts,
            clock: setup.deps.clock,
            random: setup.deps.random,
          },
          { timeoutMs: setup.config.timeoutMs, maxAttempts: setup.config.maxAttempts },
        );

  const run = async (event: unknown, context: Context | undefined, trace: CancelTrace, raw: { value?: unknown }) => {
    if ('error' in setup || canceller === undefined) throw 'error' in setup ? setup.error : new Error('not configured');
    const { config, deps } = setup;
    const envelope = detectEnvelope(event);
    raw.value =
      envelope === 'api-gateway-v1' || envelope === 'api-gateway-v2'
        ? commandFromApiGateway(event as never, envelope)
        : envelope === 'event-bridge'
          ? commandFromEventBridge(event as never)
          : event;
    const command = parseCommand(raw.value, { appid: config.appid, serviceId: config.serviceId });
    const remaining = context?.getRemainingTimeInMillis?.() ?? config.maxAttempts * config.timeoutMs + 10_000;
    return canceller.cancel(command, deps.clock.now() + remaining - DEADLINE_MARGIN_MS, trace);
  };

  return async (event: unknown, context?: Context): Promise<unknown> => {
    const clock = 'error' in setup ? { now: Date.now } : setup.deps.clock;
    const started = clock.now();
    const envelope = detectEnvelope(event);
    const isHttp = envelope === 'api-gateway-v1' || envelope === 'api-gateway-v2';
    const trace: CancelTrace = { attempts: 0, host: undefined, secretRefreshed: false };
    const raw: { value?: unknown } = {};
    let outcome: { result: CancelResult } | { error: unknown };
    try {
      outcome = { result: await run(event, context, trace, raw) };
    } catch (error) {
      outcome = { error };
    }
    {
      const config = 'error' in setup ? undefined : setup.config;
      const hostUrl = trace.host === 'backup' ? config?.backupBaseUrl : trace.host === 'primary' ? config?.baseUrl : undefined;
      setup.logger.info('cancel-bill invocation', {
        envelope,
        out_order_no: orderNoOf(raw.value),
        outcome: 'result' in outcome ? 'success' : 'error',
        ...('result' in outcome
          ? { state: outcome.result.state, already_cancelled: outcome.result.already_cancelled }
          : describeError(outcome.error)),
        attempts: trace.attempts,
        host: hostUrl === undefined ? undefined : new URL(hostUrl).host,
        host_role: trace.host,
        secret_refreshed: trace.secretRefreshed,
        latency_ms: clock.now() - started,
        request_id: context?.awsRequestId,
      });
    }
    if (isHttp) return toApiGatewayResponse(outcome, context?.awsRequestId ?? '');
    if ('error' in outcome) throw outcome.error;
    return outcome.result;
  };
};

export { createHandler, DEADLINE_MARGIN_MS };
export type { Setup };
