import { Console } from 'node:console';
import { Writable } from 'node:stream';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { readConfig } from '../../../lib/config.js';
import { wireSetup } from '../../../lib/deps.js';
import { createHandler } from '../../../lib/handler.js';
import { createHostSelector } from '../../../lib/host-selector.js';
import { createTelemetry } from '../../../lib/telemetry.js';
import type { HttpsRequest, HttpsResponse } from '../../../lib/types.js';
import { sign } from '../../../lib/wechatpay/index.js';
import { createFakeClock, fakeCredentials } from '../../helpers/fake-deps.js';

/** A CloudWatch embedded-metrics directive, as the invocation line carries it. */
type MetricDirective = { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] };

const DAY_MS = 24 * 60 * 60 * 1000;
const TRACE_ID = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1';

const signedReply = (fields: Record<string, string>): string => {
  const all = { ...fields, sign: sign(fields, fakeCredentials().apiKey) };
  return `<xml>${Object.entries(all).map(([key, value]) => `<${key}><![CDATA[${value}]]></${key}>`).join('')}</xml>`;
};

/** WeChat Pay as the handler sees it: a signed success, or 签名错误 for every call. */
const createTransport = (refuse: boolean) => ({
  request: async (request: HttpsRequest): Promise<HttpsResponse> => {
    if (refuse) return { status: 200, headers: {}, body: '<xml><return_code>FAIL</return_code><return_msg>签名错误</return_msg></xml>' };
    const orderNo = /<out_order_no>([^<]*)<\/out_order_no>/.exec(request.body)?.[1] ?? '';
    return {
      status: 200,
      headers: {},
      body: signedReply({ return_code: 'SUCCESS', result_code: 'SUCCESS', mch_id: '1230000109', out_order_no: orderNo, order_id: '1564654654' }),
    };
  },
});

/**
 * The invocation lines the function really writes: the handler with Powertools' Logger and Metrics
 * (as functions/cancel-bill.ts builds them) over fake WeChat Pay replies, for a success while the
 * certificate expires soon, a signature refused after the fresh fetch, and a bad command. Lambda's
 * `_X_AMZN_TRACE_ID` is set while they are written, as it is on Lambda.
 */
const writeInvocationLines = async (options: { namespace: string; serviceName: string }): Promise<Record<string, unknown>[]> => {
  const output: string[] = [];
  const sink = new Writable({
    write: (chunk: Buffer, _encoding, done) => {
      output.push(chunk.toString('utf8'));
      done();
    },
  });
  const logger = new Logger({ serviceName: options.serviceName });
  // Powertools writes through its own Console on stdout; capture it instead.
  (logger as unknown as { console: Console }).console = new Console({ stdout: sink, stderr: sink });
  const telemetry = createTelemetry({ logger, metrics: new Metrics({ namespace: options.namespace, serviceName: options.serviceName }) });
  const config = readConfig({ WECHATPAY_SECRET_ID: 'wechatpay/1230000109', WECHATPAY_APPID: 'wxd678efh567hg6787', WECHATPAY_SERVICE_ID: '2002000000000558128851361561536' });
  const credentials = fakeCredentials();
  const handlerFor = (refuse: boolean) => {
    const clock = createFakeClock(credentials.certNotAfter.getTime() - 10 * DAY_MS);
    const deps = {
      clock,
      nonce: () => '5K8264ILTKCH16CQ2502SI8ZNMTM67VS',
      random: () => 0.5,
      transport: createTransport(refuse),
      secrets: { get: async () => credentials },
      hosts: createHostSelector({ primary: config.baseUrl, backup: config.backupBaseUrl, clock }),
    };
    return createHandler(wireSetup({ telemetry, config, deps }));
  };
  const context = { awsRequestId: 'req-1', getRemainingTimeInMillis: () => 20_000 } as unknown as Context;
  const previous = process.env._X_AMZN_TRACE_ID;
  process.env._X_AMZN_TRACE_ID = TRACE_ID;
  try {
    await handlerFor(false)({ out_order_no: 'LINE-0001', reason: 'fields' }, context);
    await handlerFor(true)({ out_order_no: 'LINE-0002', reason: 'fields' }, context).catch(() => undefined);
    await handlerFor(false)({ out_order_no: 'LINE-0003', reason: '' }, context).catch(() => undefined);
  } finally {
    if (previous === undefined) delete process.env._X_AMZN_TRACE_ID;
    else process.env._X_AMZN_TRACE_ID = previous;
  }
  return output.join('').split('\n').filter((line) => line.trim() !== '').map((line) => JSON.parse(line) as Record<string, unknown>);
};

/** Every top-level key of the given lines. */
const fieldsOf = (lines: Record<string, unknown>[]): Set<string> => new Set(lines.flatMap((line) => Object.keys(line)));

/** The embedded-metrics directives of the given lines. */
const directivesOf = (lines: Record<string, unknown>[]): MetricDirective[] =>
  lines.flatMap((line) => (line._aws as { CloudWatchMetrics?: MetricDirective[] } | undefined)?.CloudWatchMetrics ?? []);

export { writeInvocationLines, fieldsOf, directivesOf };
export type { MetricDirective };
