import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { createCanceller } from './cancel-bill.js';
import type { Canceller } from './cancel-bill.js';
import { systemClock } from './clock.js';
import { readConfig } from './config.js';
import type { Config, Env } from './config.js';
import { createHostSelector } from './host-selector.js';
import type { HostSelector } from './host-selector.js';
import { createHttpsTransport } from './https-transport.js';
import { createSecretsLoader } from './secrets.js';
import type { Telemetry } from './telemetry.js';
import type { Clock, HttpsTransport, SecretsLoader } from './types.js';
import { createNonce, createWechatPayClient } from './wechatpay/index.js';

/** Everything with side effects, injected (STYLE §6). */
type Deps = Readonly<{
  clock: Clock;
  nonce: () => string;
  /** Uniform in [0, 1): backoff jitter. */
  random: () => number;
  transport: HttpsTransport;
  secrets: SecretsLoader;
  hosts: HostSelector;
}>;

/**
 * What the handler runs on, built once per container: the configuration and the use case wired
 * from the dependencies, or the error that reading the configuration raised (reported by every
 * invocation, never at import). The clock is there in both cases, for the invocation's latency.
 */
type Setup = Readonly<{ telemetry: Telemetry; clock: Clock }> &
  (Readonly<{ config: Config; canceller: Canceller }> | Readonly<{ error: Error }>);

/**
 * The Secrets Manager client, bounded so an outage cannot eat the invocation: 2 tries of at most
 * 1 s to connect and 3 s to answer (a timeout that throws: by default the SDK only warns), and the
 * loader's own limit per call and the invocation's deadline on top.
 */
const createSecretsManagerClient = (): SecretsManagerClient =>
  new SecretsManagerClient({
    maxAttempts: 2,
    requestHandler: { connectionTimeout: 1000, requestTimeout: 3000, throwOnRequestTimeout: true },
  });

/**
 * Builds the production dependencies once per container: one Secrets Manager client, one
 * transport, one host selector, the system clock.
 */
const createDefaultDeps = (config: Config): Deps => {
  const clock = systemClock;
  const secrets = createSecretsLoader({
    client: createSecretsManagerClient(),
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
 * Wires the use case from a configuration and its dependencies: the WeChat Pay client over the
 * transport, and the canceller over the client. Production reaches it through `createSetup`;
 * tests call it with `fakeDeps()`.
 *
 * @example
 * const handler = createHandler(wireSetup({ telemetry, config, deps: fakeDeps() }));
 */
const wireSetup = (options: { telemetry: Telemetry; config: Config; deps: Deps }): Setup => {
  const { telemetry, config, deps } = options;
  const client = createWechatPayClient({ transport: deps.transport, nonce: deps.nonce });
  const canceller = createCanceller(
    { client, secrets: deps.secrets, hosts: deps.hosts, clock: deps.clock, random: deps.random },
    { timeoutMs: config.timeoutMs, maxAttempts: config.maxAttempts },
  );
  return { telemetry, clock: deps.clock, config, canceller };
};

/**
 * Lambda init: reads the configuration and builds the dependencies once. A bad configuration is
 * kept and reported by every invocation, never thrown at import. The secret fetch starts here so
 * it overlaps the rest of the cold start; the handler awaits the shared in-flight fetch, and a
 * failure here is retried there (never an init crash). `buildDeps` is `createDefaultDeps` in
 * production; tests give fakes.
 *
 * @example
 * export const handler = createHandler(createSetup(telemetry, process.env));
 */
const createSetup = (telemetry: Telemetry, env: Env, buildDeps: (config: Config) => Deps = createDefaultDeps): Setup => {
  try {
    const config = readConfig(env);
    const deps = buildDeps(config);
    deps.secrets.get().catch(() => undefined);
    return wireSetup({ telemetry, config, deps });
  } catch (error) {
    return { telemetry, clock: systemClock, error: error as Error };
  }
};

export { createDefaultDeps, createSecretsManagerClient, createSetup, wireSetup };
export type { Deps, Setup };
