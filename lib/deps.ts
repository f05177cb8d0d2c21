import { setTimeout as sleep } from 'node:timers/promises';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Config } from './config.js';
import { createHostSelector } from './host-selector.js';
import type { HostSelector } from './host-selector.js';
import { createHttpsTransport } from './https-transport.js';
import { createSecretsLoader } from './secrets.js';
import type { Clock, HttpsTransport, MerchantCredentials, SecretsLoader } from './types.js';
import { createNonce } from './wechatpay/index.js';

/** Days before expiry from which each secret fetch logs a warning (WeChat Pay refuses expired certificates). */
const CERT_WARNING_DAYS = 30;
const DAY_MS = 24 * 60 * 60 * 1000;

/** The log methods the function uses; Powertools' Logger in production. */
interface Log {
  info(message: string, attributes: Record<string, unknown>): void;
  warn(message: string, attributes: Record<string, unknown>): void;
}

/** Everything with side effects, injected (STYLE §6). */
type Deps = Readonly<{
  clock: Clock;
  nonce: () => string;
  random: () => number;
  transport: HttpsTransport;
  secrets: SecretsLoader;
  hosts: HostSelector;
  logger: Log;
}>;

const systemClock: Clock = { now: () => Date.now(), sleep: (ms) => sleep(ms) };

/** Whole days until the certificate expires (negative once expired). */
const daysToExpiry = (credentials: MerchantCredentials, now: number): number =>
  Math.floor((credentials.certNotAfter.getTime() - now) / DAY_MS);

/**
 * Builds the production dependencies once per container: one Secrets Manager client, one
 * transport, one host selector, one logger.
 */
const createDefaultDeps = (config: Config, logger: Log): Deps => {
  const clock = systemClock;
  const secrets = createSecretsLoader({
    client: new SecretsManagerClient({ requestHandler: { connectionTimeout: 3000, requestTimeout: 5000 } }),
    secretId: config.secretId,
    ttlMs: config.secretTtlMs,
    clock,
    onFetch: (credentials) => {
      const days = daysToExpiry(credentials, clock.now());
      if (days < CERT_WARNING_DAYS) {
        logger.warn('merchant API certificate expires soon', { cert_days_to_expiry: days, cert_not_after: credentials.certNotAfter });
      }
    },
  });
  return Object.freeze({
    clock,
    nonce: createNonce,
    random: Math.random,
    transport: createHttpsTransport(),
    secrets,
    hosts: createHostSelector({ primary: config.baseUrl, backup: config.backupBaseUrl, clock }),
    logger,
  });
};

export { createDefaultDeps, daysToExpiry, systemClock, CERT_WARNING_DAYS };
export type { Deps, Log };
