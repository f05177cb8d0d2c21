import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CancelTrace } from '../../lib/cancel-bill.js';
import { systemClock } from '../../lib/clock.js';
import { readConfig } from '../../lib/config.js';
import { createDefaultDeps, createSecretsManagerClient, createSetup, wireSetup } from '../../lib/deps.js';
import { ConfigError, TransientError } from '../../lib/errors.js';
import { createHostSelector } from '../../lib/host-selector.js';
import type { Telemetry } from '../../lib/telemetry.js';
import type { HttpsRequest, HttpsResponse } from '../../lib/types.js';
import { createFakeClock, FAKE_NONCE, fakeCredentials, fakeDeps } from '../helpers/fake-deps.js';
import { signedReplyXml } from '../helpers/reply-xml.js';
import { generateCerts } from '../sandbox/certs.js';

const COMMAND = {
  out_order_no: '1234323JKHDFE1243252',
  reason: '用户投诉',
  service_id: '2002000000000558128851361561536',
  appid: 'wxd678efh567hg6787',
};
const TELEMETRY: Telemetry = { logInvocation: () => undefined };
const newTrace = (): CancelTrace => ({ attempts: 0, host: undefined, secretRefreshed: false, certNotAfter: undefined });

/** A transport that records each request and answers it with `answer`. */
const recordingTransport = (answer: () => HttpsResponse) => {
  const requests: HttpsRequest[] = [];
  const transport = {
    request: async (request: HttpsRequest): Promise<HttpsResponse> => {
      requests.push(request);
      return answer();
    },
  };
  return { transport, requests };
};

describe('deps', () => {
  describe('wireSetup', () => {
    it('wires the canceller to the transport, nonce, secrets and hosts of the deps', async () => {
      // Prepare
      const reply = { return_code: 'SUCCESS', result_code: 'SUCCESS', out_order_no: COMMAND.out_order_no, order_id: '15646546545165651651' };
      const { transport, requests } = recordingTransport(() => ({ status: 200, headers: {}, body: signedReplyXml(reply) }));
      const deps = fakeDeps({ transport });
      const config = readConfig({ WECHATPAY_SECRET_ID: 'wechatpay/1230000109', WECHATPAY_TIMEOUT_MS: '1234' });

      // Act
      const setup = wireSetup({ telemetry: TELEMETRY, config, deps });
      const result = 'canceller' in setup ? await setup.canceller.cancel(COMMAND, deps.clock.now() + 60_000, newTrace()) : undefined;

      // Assess
      expect(result).toEqual({ out_order_no: COMMAND.out_order_no, order_id: '15646546545165651651', state: 'REVOKED', already_cancelled: false });
      expect(requests).toHaveLength(1);
      expect(requests[0]?.url).toBe(`${deps.hosts.pick().baseUrl}/wxv/cancelbill`);
      expect(requests[0]?.body).toContain(`<nonce_str>${FAKE_NONCE}</nonce_str>`);
      expect(requests[0]?.timeoutMs).toBe(1234);
      expect(setup).toMatchObject({ telemetry: TELEMETRY, clock: deps.clock, config });
    });

    it('gives the canceller the configured number of attempts and the clock of the deps', async () => {
      // Prepare
      const clock = createFakeClock();
      const { transport, requests } = recordingTransport(() => {
        throw new TransientError('SYSTEMERROR', 'busy', { phase: 'connect' });
      });
      const config = readConfig({ WECHATPAY_SECRET_ID: 'wechatpay/1230000109', WECHATPAY_MAX_ATTEMPTS: '2' });
      // One host, so that the second attempt waits its backoff instead of failing over at once.
      const hosts = createHostSelector({ primary: config.baseUrl, backup: undefined, clock });
      const setup = wireSetup({ telemetry: TELEMETRY, config, deps: fakeDeps({ clock, transport, hosts }) });

      // Act
      const outcome = 'canceller' in setup ? setup.canceller.cancel(COMMAND, clock.now() + 60_000, newTrace()) : undefined;

      // Assess
      await expect(outcome).rejects.toThrow(TransientError);
      expect(requests).toHaveLength(2);
      expect(clock.sleeps).toHaveLength(1);
    });
  });

  describe('createSecretsManagerClient', () => {
    it('bounds Secrets Manager calls: 2 tries, 1 s to connect, 3 s to answer, and a timeout that throws', async () => {
      // Act
      const client = createSecretsManagerClient();

      // Assess
      expect(await client.config.maxAttempts()).toBe(2);
      const handler = client.config.requestHandler as unknown as { configProvider: Promise<Record<string, unknown>> };
      expect(await handler.configProvider).toMatchObject({ connectionTimeout: 1000, requestTimeout: 3000, throwOnRequestTimeout: true });
      client.destroy();
    });
  });

  describe('createDefaultDeps', () => {
    it('builds frozen production deps on the system clock, the CSPRNG nonce and Math.random', () => {
      // Prepare
      const config = readConfig({ WECHATPAY_SECRET_ID: 'wechatpay/1230000109' });

      // Act
      const deps = createDefaultDeps(config);

      // Assess
      expect(Object.isFrozen(deps)).toBe(true);
      expect(deps.clock).toBe(systemClock);
      expect(deps.random).toBe(Math.random);
      expect(deps.nonce()).toMatch(/^[0-9A-Za-z]{32}$/);
      expect(deps.nonce()).not.toBe(deps.nonce());
      expect(typeof deps.transport.request).toBe('function');
    });

    it('gives the transport the clock, so it can judge a pooled connection\'s idle age on every later request', async () => {
      // Prepare: a real client identity, and a local port where nothing listens.
      const dir = await mkdtemp(join(tmpdir(), 'deps-unit-'));
      try {
        const { clients } = await generateCerts(dir);
        const deps = createDefaultDeps(readConfig({ WECHATPAY_SECRET_ID: 'wechatpay/1230000109' }));
        const credentials = fakeCredentials({ tls: { kind: 'pem', cert: clients.merchant.certPem, key: clients.merchant.keyPem } });
        const send = () => deps.transport.request({ url: 'https://127.0.0.1:1/wxv/cancelbill', body: '<xml></xml>', headers: {}, timeoutMs: 2000, credentials });

        // Act: the second request on the same credentials checks the pool's idle ages first.
        const first = await send().catch((error: unknown) => error);
        const second = await send().catch((error: unknown) => error);

        // Assess
        expect(first).toBeInstanceOf(TransientError);
        expect(second).toBeInstanceOf(TransientError);
        expect(second).toMatchObject({ code: 'CONNECTION_REFUSED' });
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    it('gives the secrets loader the clock, so a fetch that cannot fit before the deadline is never started', async () => {
      // Prepare
      const deps = createDefaultDeps(readConfig({ WECHATPAY_SECRET_ID: 'wechatpay/1230000109' }));

      // Act
      const outcome = deps.secrets.get({ deadline: Date.now() + 100 });

      // Assess
      await expect(outcome).rejects.toThrow('DEADLINE_EXCEEDED: no time left to fetch the secret from Secrets Manager');
    });

    it.each([
      { name: 'fails over to the configured backup host', env: {}, afterFailure: 'https://api2.mch.weixin.qq.com' },
      { name: 'stays on the primary without a backup host', env: { WECHATPAY_BACKUP_BASE_URL: '' }, afterFailure: 'https://api.mch.weixin.qq.com' },
    ])('picks the configured primary host first, and $name', ({ env, afterFailure }) => {
      // Prepare
      const deps = createDefaultDeps(readConfig({ WECHATPAY_SECRET_ID: 'wechatpay/1230000109', ...env }));

      // Act
      const first = deps.hosts.pick().baseUrl;
      deps.hosts.reportConnectFailure('primary');
      const next = deps.hosts.pick().baseUrl;

      // Assess
      expect([first, next]).toEqual(['https://api.mch.weixin.qq.com', afterFailure]);
    });
  });

  describe('createSetup', () => {
    it('starts fetching the secret at init, with the deps it built from the configuration', async () => {
      // Prepare
      const fetches: unknown[] = [];
      const built: unknown[] = [];
      const buildDeps = (config: unknown) => {
        built.push(config);
        return fakeDeps({ secrets: { get: async (options) => (fetches.push(options), fakeCredentials()) } });
      };

      // Act
      const setup = createSetup(TELEMETRY, { WECHATPAY_SECRET_ID: 'wechatpay/1230000109' }, buildDeps);

      // Assess
      expect(fetches).toEqual([undefined]);
      expect(built).toEqual([expect.objectContaining({ secretId: 'wechatpay/1230000109' })]);
      expect(setup).toMatchObject({ telemetry: TELEMETRY, config: built[0] });
      expect('canceller' in setup).toBe(true);
    });

    it('never lets a failed fetch at init escape as an unhandled rejection', async () => {
      // Prepare
      const unhandled: unknown[] = [];
      const record = (reason: unknown) => unhandled.push(reason);
      process.on('unhandledRejection', record);
      const failing = () => fakeDeps({ secrets: { get: async () => Promise.reject(new TransientError('SECRET_FETCH_FAILED', 'blip', { phase: 'connect' })) } });

      // Act
      try {
        createSetup(TELEMETRY, { WECHATPAY_SECRET_ID: 'wechatpay/1230000109' }, failing);
        // Node reports an unhandled rejection once the microtasks after it have run.
        for (let turn = 0; turn < 3; turn += 1) await new Promise((resolve) => setImmediate(resolve));
      } finally {
        process.off('unhandledRejection', record);
      }

      // Assess
      expect(unhandled).toEqual([]);
    });


    it('keeps a configuration error for the invocations instead of throwing, with the system clock', () => {
      // Act
      const setup = createSetup(TELEMETRY, { WECHATPAY_TIMEOUT_MS: 'soon' });

      // Assess
      expect('error' in setup && setup.error).toBeInstanceOf(ConfigError);
      expect('error' in setup && setup.error.message).toMatch(/^CONFIG_INVALID: .*WECHATPAY_SECRET_ID.*WECHATPAY_TIMEOUT_MS/);
      expect(setup.clock).toBe(systemClock);
      expect(setup.telemetry).toBe(TELEMETRY);
    });
  });
});
