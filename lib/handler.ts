import type { Context } from 'aws-lambda';
import type { CancelResult, CancelTrace } from './cancel-bill.js';
import { parseCommand } from './command.js';
import type { Config } from './config.js';
import type { Setup } from './deps.js';
import type { HostRole } from './host-selector.js';
import { answersOverHttp, detectEnvelope, rawCommandOf, toApiGatewayResponse } from './envelopes/index.js';
import { isAppError } from './errors.js';
import { FIELD_RULES } from './fields.js';
import { refusedCertificateExpiry } from './merchant-secret.js';
import { isCredentialRefusal } from './wechatpay/index.js';

/** Time kept back from the Lambda deadline so the function can still answer (and log) after its last attempt. */
const DEADLINE_MARGIN_MS = 1000;
const DAY_MS = 24 * 60 * 60 * 1000;

type Outcome = { result: CancelResult } | { error: unknown };

/**
 * What the handler reads of the Lambda context. Each part may be missing: a caller other than the
 * Lambda runtime (a test, a local runner) may pass less, or no context at all.
 */
type InvocationContext = Partial<Pick<Context, 'awsRequestId' | 'getRemainingTimeInMillis'>>;

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
 * Whole days until the certificate expires: of the one in use, or else of the one the secret held
 * and the function refused (zero or less, so an expired or not-yet-valid certificate still reports).
 */
const certDaysToExpiry = (trace: CancelTrace, outcome: Outcome, now: number): number | undefined => {
  const refused = 'error' in outcome ? refusedCertificateExpiry(outcome.error) : undefined;
  if (refused !== undefined) return Math.min(0, Math.floor((refused.getTime() - now) / DAY_MS));
  return trace.certNotAfter === undefined ? undefined : Math.floor((trace.certNotAfter.getTime() - now) / DAY_MS);
};

/** Epoch ms by which the answer is due: the Lambda's remaining time, less the margin for the answer and its line. */
const deadlineOf = (started: number, context: InvocationContext | undefined, config: Config): number =>
  started + (context?.getRemainingTimeInMillis?.() ?? config.maxAttempts * config.timeoutMs + 10_000) - DEADLINE_MARGIN_MS;

/**
 * Creates the Lambda handler: tells the envelope apart, validates the command, cancels, and logs
 * exactly one structured line (with embedded metrics) per invocation. API Gateway gets an HTTP
 * response; every other envelope gets the result or the thrown named error.
 *
 * @throws {AppError} for direct, Step Functions and EventBridge invocations (see CONTRACT.md "Errors").
 * @example
 * export const handler = createHandler(createSetup(telemetry, process.env));
 */
const createHandler = (setup: Setup) => {
  const { clock, telemetry } = setup;
  const hostNames: Partial<Record<HostRole, string>> =
    'error' in setup
      ? {}
      : {
          primary: new URL(setup.config.baseUrl).host,
          backup: setup.config.backupBaseUrl === undefined ? undefined : new URL(setup.config.backupBaseUrl).host,
        };

  return async (event: unknown, context?: InvocationContext): Promise<unknown> => {
    const started = clock.now();
    const enveloped = detectEnvelope(event);
    const trace: CancelTrace = { attempts: 0, host: undefined, secretRefreshed: false, certNotAfter: undefined };
    // The raw command first, so that even a configuration error's line names the order.
    let raw: unknown;
    let unreadable: Outcome | undefined;
    try {
      raw = rawCommandOf(enveloped);
    } catch (error) {
      unreadable = { error };
    }
    let outcome: Outcome;
    try {
      // A configuration error comes first, whatever the request.
      if ('error' in setup) throw setup.error;
      const { config, canceller } = setup;
      outcome =
        unreadable ??
        { result: await canceller.cancel(parseCommand(raw, { appid: config.appid, serviceId: config.serviceId }), deadlineOf(started, context, config), trace) };
    } catch (error) {
      outcome = { error };
    }
    const { name, attributes } = outcomeAttributes(outcome);
    const finished = clock.now();
    telemetry.logInvocation({
      envelope: enveloped.envelope,
      // A request refused before its command was read (a GET, a body that is not JSON) still has its path.
      outOrderNo: orderNoOf(raw) ?? (answersOverHttp(enveloped) ? orderNoOf(enveloped.event.pathParameters) : undefined),
      outcome: name,
      attributes,
      attempts: trace.attempts,
      host: trace.host && hostNames[trace.host],
      hostRole: trace.host,
      secretRefreshed: trace.secretRefreshed,
      // The key or certificate was refused again after the fresh fetch: changed in the merchant
      // platform but not in the secret. A refusal only ends an invocation after that fetch (call.ts),
      // so dropping either of the first two conditions changes nothing.
      // Stryker disable next-line LogicalOperator: see above
      credentialsRefused: trace.secretRefreshed && 'error' in outcome && isCredentialRefusal(outcome.error),
      latencyMs: finished - started,
      requestId: context?.awsRequestId,
      certDaysToExpiry: certDaysToExpiry(trace, outcome, finished),
    });
    if (answersOverHttp(enveloped)) return toApiGatewayResponse(outcome, context?.awsRequestId ?? '');
    if ('error' in outcome) throw outcome.error;
    return outcome.result;
  };
};

export { createHandler, DEADLINE_MARGIN_MS };
