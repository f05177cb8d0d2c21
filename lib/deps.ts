import { setTimeout as sleep } from 'node:timers/promises';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { readConfig } from './config.js';
import type { Config } from './config.js';
import type { Setup } from './handler.js';
import { createHostSelector } from './host-selector.js';
import type { HostSelector } from './host-selector.js';
import { createHttpsTransport } from './https-transport.js';
import { createSecretsLoader } from './secrets.js';
import type { Telemetry } from './telemetry.js';
import type { Clock, HttpsTransport, SecretsLoader } from './types.js';
import { createNonce } from './wechatpay/index.js';

/** Everything with side effects, injected (STYLE §6). */
type Deps = Readonly<{
  clock: Clock;
  nonce: () => string;
  random: () => number;
  transport: HttpsTransport;
  secrets: SecretsLoader;
  hosts: HostSelector;
}>;

const systemClock: Clock = { now: () => Date.now(), sleep: (ms) => sleep(ms) };

/**
 * Builds the production dependencies once per container: one Secrets Manager client, one
 * transport, one host selector.
 */
const createDefaultDeps = (config: Config): Deps => {
  const clock = systemClock;
  const secrets = createSecretsLoader({
    // Bounded so a Secrets Manager outage cannot eat the invocation: 2 tries of at most 1 s to
    // connect and 3 s to answer (a timeout that throws: by default the SDK only warns), and the
    // loader's own limit per call and the invocation's deadline on top.
    client: new SecretsManagerClient({
      maxAttempts: 2,
      requestHandler: { connectionTimeout: 1000, requestTimeout: 3000, throwOnRequestTimeout: true },
    }),
    secretId: config.secretId,
    ttlMs: config.secretTtlMs,
    clock,
  });
  return Object.freeze({
    clock,
    nonce: createNonce,
    random: Math.random,
    transport: createHttpsTransport({ clock }),
    secrets,
    hosts: createHostSelector({ primary: config.baseUrl, backup: config.backupBaseUrl, clock }),
  });
};

/**
 * Lambda init: reads the configuration and builds the dependencies once. A bad configuration is
 * kept and reported by every invocation, never thrown at import. The secret fetch starts here so
 * it overlaps the rest of the cold start; the handler awaits the shared in-flight fetch, and a
 * failure here is retried there (never an init crash).
 */
const createSetup = (telemetry: Telemetry, env: Readonly<Record<string, string | undefined>>): Setup => {
  try {
    const config = readConfig(env);
    const deps = createDefaultDeps(config);
    deps.secrets.get().catch(() => undefined);
    return { telemetry, config, deps };
  } catch (error) {
    return { telemetry, error: error as Error };
  }
};

export { createDefaultDeps, createSetup };
export type { Deps };
