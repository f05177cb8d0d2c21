import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { describe, expect, it, vi } from 'vitest';
import { createTelemetry, METRIC_NAMES } from '../../lib/telemetry.js';
import type { InvocationSummary } from '../../lib/telemetry.js';
import { createFakeClock } from '../helpers/fake-deps.js';

const SUMMARY: InvocationSummary = {
  envelope: 'direct',
  outOrderNo: '1234323JKHDFE1243252',
  outcome: 'success',
  attributes: { state: 'REVOKED', already_cancelled: false },
  attempts: 1,
  host: 'api.mch.weixin.qq.com',
  hostRole: 'primary',
  secretRefreshed: false,
  credentialsRefused: false,
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
    { name: 'a configuration fault (alarmed on)', outcome: 'ConfigError', level: 'ERROR' },
    { name: 'a WeChat Pay refusal (alarmed on)', outcome: 'WechatPayError', level: 'ERROR' },
    { name: 'an unknown order', outcome: 'OrderNotFoundError', level: 'WARN' },
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

  it('emits every metric by service and outcome, and again by service alone', () => {
    // Prepare
    const { telemetry, lines } = setUp();

    // Act
    telemetry.logInvocation({ ...SUMMARY, outcome: 'TransientError', hostRole: 'backup', certDaysToExpiry: 12 });

    // Assess
    const { CloudWatchMetrics } = (lines[0] as { _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }[] } })._aws;
    expect(CloudWatchMetrics).toEqual([
      {
        Namespace: 'CancelBill',
        Dimensions: [['service', 'Outcome'], ['service']],
        Metrics: Object.values(METRIC_NAMES).map((name): unknown => expect.objectContaining({ Name: name })),
      },
    ]);
    expect(lines[0]).toMatchObject({ Outcome: 'TransientError', BackupHostCalls: 1, CertDaysToExpiry: 12 });
  });

  it('flags a key or certificate refused after the fresh fetch, and only then', () => {
    // Prepare
    const { telemetry, lines } = setUp();

    // Act
    telemetry.logInvocation({ ...SUMMARY, outcome: 'WechatPayError', secretRefreshed: true, credentialsRefused: true });
    telemetry.logInvocation({ ...SUMMARY, outcome: 'WechatPayError', secretRefreshed: true });

    // Assess
    expect(lines[0]).toMatchObject({ level: 'ERROR', secret_refreshed: true, credentials_refused: true });
    expect(lines[1]).not.toHaveProperty('credentials_refused');
  });

  it.each([
    { name: 'an expired certificate', days: -3 },
    { name: 'a certificate not yet valid', days: 0 },
  ])('reports the days of $name on a ConfigError line without a second warning', ({ days }) => {
    // Prepare
    const { telemetry, lines } = setUp();

    // Act
    telemetry.logInvocation({ ...SUMMARY, outcome: 'ConfigError', certDaysToExpiry: days });

    // Assess
    expect(lines[0]).toMatchObject({ level: 'ERROR', cert_days_to_expiry: days, CertDaysToExpiry: days });
    expect(lines[0]).not.toHaveProperty('cert_warning');
  });

  it('warns on the last day of a certificate that it expires in 0 days, not that it has expired', () => {
    // Prepare
    const { telemetry, lines } = setUp();

    // Act
    telemetry.logInvocation({ ...SUMMARY, certDaysToExpiry: 0 });

    // Assess
    expect(lines[0]).toMatchObject({ level: 'WARN', cert_warning: 'CERT_EXPIRES_SOON: the merchant API certificate expires in 0 days' });
  });

  it('emits no host or certificate metric for an invocation that never called WeChat Pay nor read the secret', () => {
    // Prepare
    const { telemetry, lines } = setUp();

    // Act
    telemetry.logInvocation({ ...SUMMARY, outcome: 'ValidationError', host: undefined, hostRole: undefined, certDaysToExpiry: undefined, attempts: 0 });

    // Assess
    expect(lines[0]).not.toHaveProperty('BackupHostCalls');
    expect(lines[0]).not.toHaveProperty('CertDaysToExpiry');
    expect(lines[0]).not.toHaveProperty('cert_warning');
    expect(lines[0]).toMatchObject({ Attempts: 0, Invocations: 1 });
  });

  it('counts a call on the primary as 0 backup host calls', () => {
    // Prepare
    const { telemetry, lines } = setUp();

    // Act
    telemetry.logInvocation({ ...SUMMARY, hostRole: 'primary' });

    // Assess
    expect(lines[0]).toMatchObject({ BackupHostCalls: 0, host_role: 'primary' });
  });

  it('says that a certificate still in use has expired', () => {
    // Prepare
    const { telemetry, lines } = setUp();

    // Act
    telemetry.logInvocation({ ...SUMMARY, certDaysToExpiry: -1 });

    // Assess
    expect(lines[0]).toMatchObject({ level: 'WARN', cert_warning: 'CERT_EXPIRED: the merchant API certificate has expired (days to expiry: -1)' });
  });
});

describe('telemetry under POWERTOOLS_LOG_LEVEL', () => {
  const setUpAt = (levelName: string, serviceName = 'cancel-bill') => {
    const lines: Record<string, unknown>[] = [];
    const written: string[] = [];
    const record = (level: string) => (message: string, attributes: Record<string, unknown>) => lines.push({ level, message, ...attributes });
    const telemetry = createTelemetry({
      logger: { info: record('INFO'), warn: record('WARN'), error: record('ERROR'), getLevelName: () => levelName },
      metrics: new Metrics({ namespace: 'CancelBill', serviceName }),
      serviceName,
      writeLine: (line) => written.push(line),
    });
    return { telemetry, lines, written };
  };

  const AT_EACH_LEVEL = [
    { outcome: 'success', line: 'INFO' },
    { outcome: 'OrderStateError', line: 'WARN' },
    { outcome: 'TransientError', line: 'ERROR' },
  ];

  it.each([
    { configured: 'TRACE', written: ['INFO', 'WARN', 'ERROR'] },
    { configured: 'DEBUG', written: ['INFO', 'WARN', 'ERROR'] },
    { configured: 'INFO', written: ['INFO', 'WARN', 'ERROR'] },
    { configured: 'WARN', written: ['WARN', 'ERROR'] },
    { configured: 'ERROR', written: ['ERROR'] },
    { configured: 'CRITICAL', written: [] },
    { configured: 'SILENT', written: [] },
  ])('under $configured writes the lines at $written in full, and only the metrics of the others', ({ configured, written: levels }) => {
    // Prepare
    const { telemetry, lines, written } = setUpAt(configured);

    // Act
    for (const { outcome } of AT_EACH_LEVEL) telemetry.logInvocation({ ...SUMMARY, outcome });

    // Assess
    expect(lines.map((line) => line.level)).toEqual(levels);
    expect(written.map((line) => (JSON.parse(line) as { Outcome: string }).Outcome)).toEqual(
      AT_EACH_LEVEL.filter(({ line }) => !levels.includes(line)).map(({ outcome }) => (outcome === 'success' ? 'Success' : outcome)),
    );
  });

  it('names the configured service in the metrics written alone', () => {
    // Prepare
    const { telemetry, written } = setUpAt('SILENT', 'rentals-cancel');

    // Act
    telemetry.logInvocation(SUMMARY);

    // Assess
    expect(JSON.parse(written[0] ?? '{}')).toMatchObject({ service: 'rentals-cancel' });
  });

  it('writes the metrics held back by the level to stdout as one line, service cancel-bill by default', () => {
    // Prepare
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const telemetry = createTelemetry({
      logger: { info: () => undefined, warn: () => undefined, error: () => undefined, getLevelName: () => 'SILENT' },
      metrics: new Metrics({ namespace: 'CancelBill', serviceName: 'cancel-bill' }),
    });

    // Act
    let calls: unknown[][];
    try {
      telemetry.logInvocation(SUMMARY);
    } finally {
      calls = [...stdout.mock.calls];
      stdout.mockRestore();
    }

    // Assess
    expect(calls).toHaveLength(1);
    const [text] = calls[0] ?? [];
    expect(String(text).endsWith('}\n')).toBe(true);
    expect(JSON.parse(String(text))).toMatchObject({ service: 'cancel-bill', Outcome: 'Success', [METRIC_NAMES.INVOCATIONS]: 1 });
  });

  it('writes the metrics of a line the configured level filters out, alone, so counts and latency never depend on the level', () => {
    // Prepare
    const { telemetry, lines, written } = setUpAt('WARN');

    // Act
    telemetry.logInvocation(SUMMARY);

    // Assess
    expect(lines).toEqual([]);
    expect(written).toHaveLength(1);
    const emf = JSON.parse(written[0] ?? '{}') as Record<string, unknown>;
    expect(emf).toMatchObject({ service: 'cancel-bill', Outcome: 'Success', [METRIC_NAMES.INVOCATIONS]: 1, [METRIC_NAMES.LATENCY]: 42 });
    expect(JSON.stringify(emf._aws)).toContain('"Dimensions":[["service","Outcome"],["service"]]');
    expect(emf).not.toHaveProperty('out_order_no');
  });

  it('writes the whole line, metrics inside, when the level lets it through', () => {
    // Prepare
    const { telemetry, lines, written } = setUpAt('WARN');

    // Act
    telemetry.logInvocation({ ...SUMMARY, outcome: 'TransientError', attributes: { error_name: 'TransientError', error_code: 'HTTP_500' } });

    // Assess
    expect(written).toEqual([]);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 'ERROR', [METRIC_NAMES.INVOCATIONS]: 1, out_order_no: SUMMARY.outOrderNo });
  });
});

describe('telemetry: the embedded metrics', () => {
  /** What Powertools Metrics serializes for one summary, set up afresh for it: the reference. */
  const serializedByPowertools = (summary: InvocationSummary, timestamp: number): Record<string, unknown> => {
    const metrics = new Metrics({ namespace: 'CancelBill', serviceName: 'cancel-bill' });
    metrics.setTimestamp(timestamp);
    metrics.addDimension('Outcome', summary.outcome === 'success' ? 'Success' : summary.outcome);
    metrics.addMetric('Invocations', MetricUnit.Count, 1);
    metrics.addMetric('Attempts', MetricUnit.Count, summary.attempts);
    metrics.addMetric('Latency', MetricUnit.Milliseconds, summary.latencyMs);
    if (summary.hostRole !== undefined) metrics.addMetric('BackupHostCalls', MetricUnit.Count, summary.hostRole === 'backup' ? 1 : 0);
    if (summary.certDaysToExpiry !== undefined) metrics.addMetric('CertDaysToExpiry', MetricUnit.Count, summary.certDaysToExpiry);
    const { service: _service, ...emf } = metrics.serializeMetrics() as unknown as Record<string, unknown> & { _aws: { CloudWatchMetrics: { Dimensions: string[][] }[] } };
    for (const directive of emf._aws.CloudWatchMetrics) directive.Dimensions.push(['service']);
    return emf;
  };

  const summaries: InvocationSummary[] = [
    SUMMARY,
    { ...SUMMARY, outcome: 'OrderStateError', attempts: 2, latencyMs: 7, hostRole: 'backup' },
    { ...SUMMARY, outcome: 'ConfigError', host: undefined, hostRole: undefined, attempts: 0, certDaysToExpiry: undefined },
    { ...SUMMARY, outcome: 'TransientError', attempts: 4, certDaysToExpiry: undefined },
    { ...SUMMARY, outcome: 'ValidationError', host: undefined, hostRole: undefined, attempts: 0, certDaysToExpiry: -3 },
    { ...SUMMARY, latencyMs: 913, hostRole: 'backup', certDaysToExpiry: 12 },
    { ...SUMMARY, outcome: 'InternalError', host: undefined, hostRole: undefined, certDaysToExpiry: undefined },
  ];

  it('writes, line after line, the metrics Powertools Metrics serializes for each summary, with its timestamp from the clock', () => {
    // Prepare
    const lines: Record<string, unknown>[] = [];
    const clock = createFakeClock();
    const record = (_message: string, attributes: Record<string, unknown>) => lines.push(attributes);
    const telemetry = createTelemetry({ logger: { info: record, warn: record, error: record }, metrics: new Metrics({ namespace: 'CancelBill', serviceName: 'cancel-bill' }), clock });
    const expected: Record<string, unknown>[] = [];

    // Act
    for (const summary of [...summaries, ...[...summaries].reverse()]) {
      clock.advance(1000);
      expected.push(serializedByPowertools(summary, clock.now()));
      telemetry.logInvocation(summary);
    }

    // Assess
    expect(lines).toHaveLength(expected.length);
    lines.forEach((line, index) => {
      const emf = Object.fromEntries(Object.entries(line).filter(([key]) => key in (expected[index] ?? {})));
      expect(JSON.stringify(emf)).toBe(JSON.stringify(expected[index]));
    });
  });

  it('asks Powertools Metrics to serialize each set of metrics once, then reuses its directives', () => {
    // Prepare
    const metrics = new Metrics({ namespace: 'CancelBill', serviceName: 'cancel-bill' });
    const serialize = vi.spyOn(metrics, 'serializeMetrics');
    const record = () => undefined;
    const telemetry = createTelemetry({ logger: { info: record, warn: record, error: record }, metrics });

    // Act
    for (let round = 0; round < 5; round += 1) for (const summary of summaries) telemetry.logInvocation(summary);

    // Assess: four sets (with or without a host, with or without a certificate).
    expect(serialize).toHaveBeenCalledTimes(4);
  });
});
