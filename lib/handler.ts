import type { Context } from 'aws-lambda';
import { createCanceller } from './cancel-bill.js';
import type { CancelResult, CancelTrace } from './cancel-bill.js';
import { parseCommand } from './command.js';
import type { Config } from './config.js';
import type { Deps } from './deps.js';
import { answersOverHttp, detectEnvelope, rawCommandOf, toApiGatewayResponse } from './envelopes/index.js';
import { isAppError } from './errors.js';
import { FIELD_RULES } from './fields.js';
import type { Telemetry } from './telemetry.js';
import { createWechatPayClient } from './wechatpay/index.js';

/** Time kept back from the Lambda deadline so the function can still answer (and log) after its last attempt. */
const DEADLINE_MARGIN_MS = 1000;
const DAY_MS = 24 * 60 * 60 * 1000;

/** The configuration, or the error that reading it raised: reported per invocation, never at import. */
type Setup = { telemetry: Telemetry } & ({ config: Config; deps: Deps } | { error: Error });
type Outcome = { result: CancelResult } | { error: unknown };

/** The order number for the log line, only when it follows the field's rule (no log injection). */
const orderNoOf = (raw: unknown): string | undefined => {
  const value = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>).out_order_no : undefined;
  return typeof value === 'string' && FIELD_RULES.out_order_no.pattern.test(value) ? value : undefined;
};

const outcomeAttributes = (outcome: Outcome): { name: string; attributes: Record<string, unknown> } => {
  if ('result' in outcome) {
    return { name: 'success', attributes: { state: outcome.result.state, already_cancelled: outcome.result.already_cancelled } };
  }
  const { error } = outcome;
  if (isAppError(error)) {
    return { name: error.name, attributes: { error_name: error.name, error_code: error.code, error_message: error.message } };
  }
  // Foreign errors keep their own message out of the log: it was not written with secrets in mind.
  const name = error instanceof Error ? error.name : typeof error;
  return { name: 'InternalError', attributes: { error_name: name, error_code: 'INTERNAL_ERROR' } };
};

/**
 * Creates the Lambda handler: tells the envelope apart, validates the command, cancels, and logs
 * exactly one structured line (with embedded metrics) per invocation. API Gateway gets an HTTP
 * response; every other envelope gets the result or the thrown named error.
 *
 * @throws {AppError} for direct, Step Functions and EventBridge invocations (see CONTRACT.md "Errors").
 * @example
 * export const handler = createHandler({ telemetry, config, deps });
 */
const createHandler = (setup: Setup) => {
  const ready =
    'error' in setup
      ? undefined
      : {
          config: setup.config,
          clock: setup.deps.clock,
          hostNames: {
            primary: new URL(setup.config.baseUrl).host,
            backup: setup.config.backupBaseUrl === undefined ? undefined : new URL(setup.config.backupBaseUrl).host,
          },
          canceller: createCanceller(
            {
              client: createWechatPayClient({ transport: setup.deps.transport, nonce: setup.deps.nonce }),
              secrets: setup.deps.secrets,
              hosts: setup.deps.hosts,
              clock: setup.deps.clock,
              random: setup.deps.random,
            },
            { timeoutMs: setup.config.timeoutMs, maxAttempts: setup.config.maxAttempts },
          ),
        };
  const now = (): number => ready?.clock.now() ?? Date.now();

  return async (event: unknown, context?: Context): Promise<unknown> => {
    const started = now();
    const enveloped = detectEnvelope(event);
    const trace: CancelTrace = { attempts: 0, host: undefined, secretRefreshed: false, certNotAfter: undefined };
    let raw: unknown;
    let outcome: Outcome;
    try {
      if ('error' in setup || ready === undefined) throw 'error' in setup ? setup.error : new Error('not configured');
      raw = rawCommandOf(enveloped);
      const command = parseCommand(raw, { appid: ready.config.appid, serviceId: ready.config.serviceId });
      const remaining = context?.getRemainingTimeInMillis?.() ?? ready.config.maxAttempts * ready.config.timeoutMs + 10_000;
      outcome = { result: await ready.canceller.cancel(command, started + remaining - DEADLINE_MARGIN_MS, trace) };
    } catch (error) {
      outcome = { error };
    }
    const { name, attributes } = outcomeAttributes(outcome);
    setup.telemetry.logInvocation({
      envelope: enveloped.envelope,
      outOrderNo: orderNoOf(raw),
      outcome: name,
      attributes,
      attempts: trace.attempts,
      host: trace.host === undefined ? undefined : ready?.hostNames[trace.host],
      hostRole: trace.host,
      secretRefreshed: trace.secretRefreshed,
      latencyMs: now() - started,
      requestId: context?.awsRequestId,
      certDaysToExpiry: trace.certNotAfter === undefined ? undefined : Math.floor((trace.certNotAfter.getTime() - now()) / DAY_MS),
    });
    if (answersOverHttp(enveloped)) return toApiGatewayResponse(outcome, context?.awsRequestId ?? '');
    if ('error' in outcome) throw outcome.error;
    return outcome.result;
  };
};

export { createHandler, DEADLINE_MARGIN_MS };
export type { Setup };
