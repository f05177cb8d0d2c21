import { createSecretKey } from 'node:crypto';
import type { Clock, MerchantCredentials } from '../../lib/types.js';

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

export { createFakeClock, fakeCredentials };
