/**
 * Fakes of the injected dependencies (STYLE §6): a clock that moves only when told, merchant
 * credentials that never open TLS, and `fakeDeps`, the whole `Deps` object built from them.
 */
import { createSecretKey } from 'node:crypto';
import { DEFAULT_BACKUP_BASE_URL, DEFAULT_BASE_URL } from '../../lib/config.js';
import type { Deps } from '../../lib/deps.js';
import { createHostSelector } from '../../lib/host-selector.js';
import type { Clock, MerchantCredentials } from '../../lib/types.js';

/** The `nonce_str` of spec §10, vector V2, so that signed requests are byte-for-byte reproducible. */
const FAKE_NONCE = '5K8264ILTKCH16CQ2502SI8ZNMTM67VS';

/** A clock that only moves when told to; `sleep` advances it at once and records the wait. */
const createFakeClock = (start = Date.UTC(2026, 10, 26)): Clock & { advance(ms: number): void; sleeps: number[] } => {
  let now = start;
  const sleeps: number[] = [];
  return {
    now: () => now,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      now += ms;
    },
    advance: (ms: number) => {
      now += ms;
    },
    sleeps,
  };
};

/** Credentials for tests that never open TLS. */
const fakeCredentials = (overrides: Partial<MerchantCredentials> = {}): MerchantCredentials => ({
  mchId: '1230000109',
  apiKey: createSecretKey(Buffer.from('192006250b4c09247ec02edce69f6a2d')),
  tls: { kind: 'pem', cert: 'unused', key: 'unused' },
  version: 'v1',
  certNotBefore: new Date(Date.UTC(2026, 0, 1)),
  certNotAfter: new Date(Date.UTC(2027, 0, 1)),
  ...overrides,
});

/**
 * `Deps` for a test: a fake clock, the fixed `FAKE_NONCE`, jitter 0.5, secrets that always yield
 * `fakeCredentials()`, hosts on the configuration's default URLs (on the same clock), and a
 * transport that rejects every request, so a test that sends must give its own. Each override
 * replaces one of them; the default hosts use the overriding clock when one is given.
 *
 * @example
 * const deps = fakeDeps({ transport: createScriptedTransport(plan, clock).transport, clock });
 */
const fakeDeps = (overrides: Partial<Deps> = {}): Deps => {
  const clock = overrides.clock ?? createFakeClock();
  return {
    clock,
    nonce: () => FAKE_NONCE,
    random: () => 0.5,
    transport: {
      request: async () => {
        throw new Error('fakeDeps: this test sent a request but gave no transport');
      },
    },
    secrets: { get: async () => fakeCredentials() },
    hosts: createHostSelector({ primary: DEFAULT_BASE_URL, backup: DEFAULT_BACKUP_BASE_URL, clock }),
    ...overrides,
  };
};

export { createFakeClock, fakeCredentials, fakeDeps, FAKE_NONCE };
