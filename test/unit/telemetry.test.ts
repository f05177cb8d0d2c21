import { Metrics } from '@aws-lambda-powertools/metrics';
import { describe, expect, it } from 'vitest';
import { createTelemetry } from '../../lib/telemetry.js';
import type { InvocationSummary } from '../../lib/telemetry.js';

const SUMMARY: InvocationSummary = {
  envelope: 'direct',
  outOrderNo: '1234323JKHDFE1243252',
  outcome: 'success',
  attributes: { state: 'REVOKED', already_cancelled: false },
  attempts: 1,
  host: 'api.mch.weixin.qq.com',
  hostRole: 'primary',
  secretRefreshed: false,
  latencyMs: 42,
  requestId: 'req-1',
  certDaysToExpiry: 200,
};

const setUp = () => {
  const lines: Record<string, unknown>[] = [];
  const record = (level: string) => (message: string, attributes: Record<string, unknown>) => lines.push({ level, message, ...attributes });
  const telemetry = createTelemetry({
    logger: { info: record('INFO'), warn: record('WARN'), error: record('ERROR') },
    metrics: new Metrics({ namespace: 'CancelBill', serviceName: 'cancel-bill' }),
  });
  return { telemetry, lines };
};

describe('telemetry', () => {
  it.each([
    { name: 'a success', outcome: 'success', level: 'INFO' },
    { name: 'a business outcome', outcome: 'OrderStateError', level: 'WARN' },
    { name: 'a validation error', outcome: 'ValidationError', level: 'WARN' },
    { name: 'a transient fault', outcome: 'TransientError', level: 'ERROR' },
    { name: 'a signature fault', outcome: 'SignatureError', level: 'ERROR' },
    { name: 'an unexpected error', outcome: 'InternalError', level: 'ERROR' },
  ])('logs $name as exactly one $level line with its metrics', ({ outcome, level }) => {
    // Prepare
    const { telemetry, lines } = setUp();

    // Act
    telemetry.logInvocation({ ...SUMMARY, outcome });

    // Assess
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level, message: 'cancel-bill invocation', Outcome: outcome === 'success' ? 'Success' : outcome, Invocations: 1, Latency: 42 });
    expect(lines[0]).not.toHaveProperty('service');
  });

  it('turns the line into the certificate warning from 30 days before expiry', () => {
    // Prepare
    const { telemetry, lines } = setUp();

    // Act
    telemetry.logInvocation({ ...SUMMARY, certDaysToExpiry: 29 });
    telemetry.logInvocation({ ...SUMMARY, certDaysToExpiry: 30 });

    // Assess
    expect(lines.map((line) => line.level)).toEqual(['WARN', 'INFO']);
    expect(lines[0]?.cert_warning).toMatch(/^CERT_EXPIRES_SOON: .*29 days/);
    expect(lines[1]).not.toHaveProperty('cert_warning');
  });

  it('starts every invocation with fresh metrics', () => {
    // Prepare
    const { telemetry, lines } = setUp();

    // Act
    telemetry.logInvocation({ ...SUMMARY, attempts: 3 });
    telemetry.logInvocation({ ...SUMMARY, outcome: 'TransientError', attempts: 1, hostRole: 'backup' });

    // Assess
    expect(lines[1]).toMatchObject({ Outcome: 'TransientError', Attempts: 1, Invocations: 1, BackupHostCalls: 1 });
  });
});
