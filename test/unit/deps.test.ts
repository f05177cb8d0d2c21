import { describe, expect, it } from 'vitest';
import type { CancelTrace } from '../../lib/cancel-bill.js';
import { systemClock } from '../../lib/clock.js';
import { readConfig } from '../../lib/config.js';
import { createSetup, wireSetup } from '../../lib/deps.js';
import { ConfigError, TransientError } from '../../lib/errors.js';
import { createHostSelector } from '../../lib/host-selector.js';
import type { Telemetry } from '../../lib/telemetry.js';
import type { HttpsRequest, HttpsResponse } from '../../lib/types.js';
import { createFakeClock, FAKE_NONCE, fakeDeps } from '../helpers/fake-deps.js';
import { signedReplyXml } from '../helpers/reply-xml.js';

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

  describe('createSetup', () => {
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
