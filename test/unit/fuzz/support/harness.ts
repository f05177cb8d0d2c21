import { Metrics } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { readConfig } from '../../../../lib/config.js';
import type { Config } from '../../../../lib/config.js';
import { wireSetup } from '../../../../lib/deps.js';
import { createHandler } from '../../../../lib/handler.js';
import { createHostSelector } from '../../../../lib/host-selector.js';
import { createTelemetry } from '../../../../lib/telemetry.js';
import { createFakeClock, FAKE_NONCE, fakeCredentials, fakeDeps } from '../../../helpers/fake-deps.js';
import type { ReplyPlan } from '../arbitraries/replies.js';
import { createScriptedTransport } from './scripted-transport.js';

const SECRET_ID = 'wechatpay/1230000109';
const DEFAULT_APPID = 'wxd678efh567hg6787';
const DEFAULT_SERVICE_ID = '2002000000000558128851361561536';
const NONCE = FAKE_NONCE;
const REQUEST_ID = 'fuzz-request-1';
/** The APIv2 key of `fakeCredentials`, as bytes, for checking signatures independently of lib/. */
const API_KEY = fakeCredentials().apiKey.export();

const CONFIGS = {
  'with-defaults': readConfig({ WECHATPAY_SECRET_ID: SECRET_ID, WECHATPAY_APPID: DEFAULT_APPID, WECHATPAY_SERVICE_ID: DEFAULT_SERVICE_ID }),
  'without-defaults': readConfig({ WECHATPAY_SECRET_ID: SECRET_ID }),
} as const satisfies Record<string, Config>;
type ConfigName = keyof typeof CONFIGS;

/** What one invocation did: it returned a value or threw. */
type Settled = { value: unknown } | { error: unknown };

/**
 * Builds the real handler from lib/ with a fake clock, fake secrets and a scripted, recording
 * WeChat Pay. `remainingMs` is what the Lambda context reports; `undefined` invokes without a context.
 */
const createFuzzHarness = (options: { config: ConfigName; plan: ReplyPlan; remainingMs: number | undefined }) => {
  const config = CONFIGS[options.config];
  const clock = createFakeClock();
  const { transport, requests, answers } = createScriptedTransport(options.plan, clock);
  const lines: Record<string, unknown>[] = [];
  const logger = {
    info: (message: string, attributes: Record<string, unknown>) => lines.push({ message, ...attributes }),
    warn: (message: string, attributes: Record<string, unknown>) => lines.push({ message, ...attributes }),
    error: (message: string, attributes: Record<string, unknown>) => lines.push({ message, ...attributes }),
  };
  const deps = fakeDeps({ clock, transport, hosts: createHostSelector({ primary: config.baseUrl, backup: config.backupBaseUrl, clock }) });
  const telemetry = createTelemetry({ logger, metrics: new Metrics({ namespace: 'CancelBill', serviceName: 'cancel-bill' }) });
  const handler = createHandler(wireSetup({ telemetry, config, deps }));
  const { remainingMs } = options;
  const startedAt = clock.now();
  const context =
    remainingMs === undefined
      ? undefined
      : ({ awsRequestId: REQUEST_ID, getRemainingTimeInMillis: () => Math.max(0, startedAt + remainingMs - clock.now()) } as unknown as Context);

  const invoke = async (event: unknown): Promise<Settled> => {
    try {
      return { value: await handler(event, context) };
    } catch (error) {
      return { error };
    }
  };

  return {
    invoke,
    requests,
    answers,
    lines,
    clock,
    startedAt,
    requestId: context === undefined ? '' : REQUEST_ID,
    baseUrls: [config.baseUrl, config.backupBaseUrl].filter((url): url is string => url !== undefined),
  };
};

export { createFuzzHarness, API_KEY, CONFIGS, DEFAULT_APPID, DEFAULT_SERVICE_ID, NONCE };
export type { ConfigName, Settled };
