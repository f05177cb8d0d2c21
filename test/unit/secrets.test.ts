import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GetSecretValueCommand, GetSecretValueCommandOutput } from '@aws-sdk/client-secrets-manager';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, TransientError } from '../../lib/errors.js';
import { createSecretsLoader } from '../../lib/secrets.js';
import { generateCerts } from '../sandbox/certs.js';
import type { SandboxCerts } from '../sandbox/certs.js';
import { createFakeClock } from '../helpers/fake-deps.js';

const API_KEY = '192006250b4c09247ec02edce69f6a2d';

/** A Secrets Manager client whose answers are scripted per call. */
const createFakeClient = (answers: ((signal?: AbortSignal) => Promise<Partial<GetSecretValueCommandOutput>>)[]) => {
  const requests: unknown[] = [];
  const signals: (AbortSignal | undefined)[] = [];
  return {
    requests,
    signals,
    send: async (command: GetSecretValueCommand, options?: { abortSignal?: AbortSignal }) => {
      requests.push(command.input);
      signals.push(options?.abortSignal);
      const answer = answers.shift();
      if (answer === undefined) throw new Error('unscripted GetSecretValue');
      return (await answer(options?.abortSignal)) as GetSecretValueCommandOutput;
    },
  };
};

const sdkError = (name: string, fault: 'client' | 'server', status: number): Error =>
  Object.assign(new Error(`${name} from the SDK`), { name, $fault: fault, $metadata: { httpStatusCode: status } });

describe('secrets', () => {
  let dir: string;
  let certs: SandboxCerts;
  let secretString: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'secrets-unit-'));
    certs = await generateCerts(dir);
    secretString = JSON.stringify({ mch_id: '1230000109', api_key: API_KEY, cert_pem: certs.clients.merchant.certPem, key_pem: certs.clients.merchant.keyPem });
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const setUp = (answers: ((signal?: AbortSignal) => Promise<Partial<GetSecretValueCommandOutput>>)[], ttlMs = 300_000, callTimeoutMs?: number) => {
    const clock = createFakeClock(Date.now());
    const client = createFakeClient(answers);
    const loader = createSecretsLoader({ client, secretId: 'wechatpay/1230000109', ttlMs, clock, ...(callTimeoutMs === undefined ? {} : { callTimeoutMs }) });
    return { clock, client, loader };
  };
  const ok = (version: string) => async () => ({ SecretString: secretString, VersionId: version });

  it('bounds each caller by its own deadline: a caller with little time left does not cut short another\'s wait', async () => {
    // Prepare: the answer takes 600 ms (the SDK gives up when the signal aborts); one caller has 250 ms, the other 5 s.
    const { clock, loader } = setUp([async (signal) => (await delay(600, undefined, { signal }), { SecretString: secretString, VersionId: 'v1' })]);

    // Act
    const [short, long] = await Promise.allSettled([
      loader.get({ deadline: clock.now() + 250 }),
      loader.get({ deadline: clock.now() + 5000 }),
    ]);

    // Assess
    expect(short.status).toBe('rejected');
    expect(((short as PromiseRejectedResult).reason as Error).message).toMatch(/^SECRET_FETCH_TIMEOUT: /);
    expect(long).toMatchObject({ status: 'fulfilled', value: { version: 'v1' } });
  });

  it('tries once on its own when the fetch it joined fails transiently and its own time allows', async () => {
    // Prepare
    const { clock, client, loader } = setUp([
      async () => {
        await delay(20);
        throw sdkError('InternalServiceError', 'server', 500);
      },
      ok('v2'),
    ]);

    // Act
    const [first, joined] = await Promise.allSettled([loader.get({ deadline: clock.now() + 5000 }), loader.get({ deadline: clock.now() + 5000 })]);

    // Assess
    expect(first.status).toBe('rejected');
    expect(joined).toMatchObject({ status: 'fulfilled', value: { version: 'v2' } });
    expect(client.requests).toHaveLength(2);
  });

  it.each([
    { name: 'less than the least fetch time (200 ms) is left', spentMs: 4801, retried: false },
    { name: 'exactly the least fetch time is left', spentMs: 4800, retried: true },
  ])('tries the fetch it joined again on its own only while its budget allows: $name', async ({ spentMs, retried }) => {
    // Prepare: the shared fetch takes `spentMs` of the joined caller's 5,000 ms, then fails transiently.
    const timing: { clock?: ReturnType<typeof setUp>['clock'] } = {};
    const { clock, client, loader } = setUp([
      async () => {
        await delay(5);
        timing.clock?.advance(spentMs);
        throw sdkError('InternalServiceError', 'server', 500);
      },
      ok('v2'),
    ]);
    timing.clock = clock;
    const deadline = clock.now() + 5000;

    // Act
    const [, joined] = await Promise.allSettled([loader.get({ deadline }), loader.get({ deadline })]);

    // Assess
    expect(client.requests).toHaveLength(retried ? 2 : 1);
    expect(joined.status).toBe(retried ? 'fulfilled' : 'rejected');
  });

  it('fetches lazily, then serves the cache until the TTL ends', async () => {
    // Prepare
    const { clock, client, loader } = setUp([ok('v1'), ok('v2')], 1000);

    // Act
    const first = await loader.get();
    const cached = await loader.get();
    clock.advance(1000);
    const refreshed = await loader.get();

    // Assess
    expect(client.requests).toEqual([{ SecretId: 'wechatpay/1230000109' }, { SecretId: 'wechatpay/1230000109' }]);
    expect([first.version, cached.version, refreshed.version]).toEqual(['v1', 'v1', 'v2']);
    expect(first.mchId).toBe('1230000109');
    expect(first.apiKey.export().toString()).toBe(API_KEY);
  });

  it('shares one in-flight fetch between concurrent callers', async () => {
    // Prepare
    const { client, loader } = setUp([ok('v1')]);

    // Act
    const all = await Promise.all([loader.get(), loader.get(), loader.get({ refresh: true })]);

    // Assess
    expect(client.requests).toHaveLength(1);
    expect(new Set(all).size).toBe(1);
  });

  it('bypasses the cache on refresh', async () => {
    // Prepare
    const { client, loader } = setUp([ok('v1'), ok('v2')]);

    // Act
    await loader.get();
    const fresh = await loader.get({ refresh: true });

    // Assess
    expect(client.requests).toHaveLength(2);
    expect(fresh.version).toBe('v2');
  });

  it('skips a refresh when the cache already holds a newer version than the refused one', async () => {
    // Prepare
    const { client, loader } = setUp([ok('v1'), ok('v2')]);
    await loader.get();

    // Act
    const first = await loader.get({ refresh: true, unless: 'v1' });
    const second = await loader.get({ refresh: true, unless: 'v1' });

    // Assess
    expect(client.requests).toHaveLength(2);
    expect([first.version, second.version]).toEqual(['v2', 'v2']);
  });

  it('does not cache failures', async () => {
    // Prepare
    const { loader } = setUp([async () => Promise.reject(sdkError('InternalServiceError', 'server', 500)), ok('v1')]);

    // Act
    const failure = loader.get();
    await expect(failure).rejects.toThrow(TransientError);
    const retry = await loader.get();

    // Assess
    expect(retry.version).toBe('v1');
  });

  it('keeps serving the expired credentials when a TTL refetch fails transiently, but not on refresh', async () => {
    // Prepare
    const down = async () => Promise.reject(sdkError('ThrottlingException', 'client', 400));
    const { clock, loader } = setUp([ok('v1'), down, down], 1000);
    await loader.get();
    clock.advance(1000);

    // Act
    const stale = await loader.get();
    const forced = loader.get({ refresh: true });

    // Assess
    expect(stale.version).toBe('v1');
    await expect(forced).rejects.toThrow(/^SECRET_FETCH_FAILED: .*ThrottlingException/);
  });

  it('waits 30 s before trying a failing Secrets Manager again while it serves stale credentials', async () => {
    // Prepare
    const down = async () => Promise.reject(sdkError('InternalServiceError', 'server', 500));
    const { clock, client, loader } = setUp([ok('v1'), down, ok('v2')], 1000);
    await loader.get();
    clock.advance(1000);
    await loader.get();

    // Act
    const during = await loader.get();
    clock.advance(30_000);
    const after = await loader.get();

    // Assess
    expect(during.version).toBe('v1');
    expect(after.version).toBe('v2');
    expect(client.requests).toHaveLength(3);
  });

  it.each([
    { name: 'ResourceNotFoundException', code: 'SECRET_NOT_FOUND' },
    { name: 'AccessDeniedException', code: 'SECRET_ACCESS_DENIED' },
    { name: 'DecryptionFailure', code: 'SECRET_DECRYPT_FAILED' },
    { name: 'ValidationException', code: 'SECRET_UNAVAILABLE' },
  ])('maps $name to ConfigError $code', async ({ name, code }) => {
    // Prepare
    const { loader } = setUp([async () => Promise.reject(sdkError(name, 'client', 400))]);

    // Act
    const outcome = loader.get();

    // Assess
    await expect(outcome).rejects.toThrow(ConfigError);
    await expect(outcome).rejects.toThrow(new RegExp(`^${code}: `));
  });

  it.each([
    { name: 'HTTP 429 without a throttling name', error: () => sdkError('TooManyRequestsException', 'client', 429) },
    { name: 'a ThrottlingException', error: () => sdkError('ThrottlingException', 'client', 400) },
    { name: 'a server fault', error: () => sdkError('InternalServiceError', 'server', 500) },
    { name: 'a client fault without a status', error: () => Object.assign(new Error('x'), { name: 'SomeClientFault', $fault: 'client', $metadata: {} }) },
  ])('treats $name from Secrets Manager as throttling or a blip: TransientError', async ({ error }) => {
    // Prepare
    const { loader } = setUp([async () => Promise.reject(error())]);

    // Act
    const outcome = loader.get();

    // Assess
    await expect(outcome).rejects.toThrow(TransientError);
    await expect(outcome).rejects.toThrow(/^SECRET_FETCH_FAILED: could not read the secret from Secrets Manager \(\w+\)$/);
    await expect(outcome).rejects.toMatchObject({ phase: 'connect' });
  });

  it.each([
    { name: 'InvalidRequestException', code: 'SECRET_UNAVAILABLE' },
    { name: 'InvalidParameterException', code: 'SECRET_UNAVAILABLE' },
    { name: 'UnrecognizedClientException', code: 'SECRET_ACCESS_DENIED' },
  ])('maps $name to ConfigError $code whatever its status', async ({ name, code }) => {
    // Prepare
    const { loader } = setUp([async () => Promise.reject(sdkError(name, 'server', 500))]);

    // Act / Assess
    await expect(loader.get()).rejects.toThrow(new RegExp(`^${code}: Secrets Manager refused GetSecretValue \\(${name}\\)$`));
  });

  it.each(['AbortError', 'TimeoutError'])('maps an SDK %s to SECRET_FETCH_TIMEOUT before anything was sent', async (name) => {
    // Prepare
    const { loader } = setUp([async () => Promise.reject(Object.assign(new Error('aborted'), { name }))]);

    // Act
    const outcome = loader.get();

    // Assess
    await expect(outcome).rejects.toThrow(TransientError);
    await expect(outcome).rejects.toThrow(`SECRET_FETCH_TIMEOUT: Secrets Manager did not answer in time (${name})`);
    await expect(outcome).rejects.toMatchObject({ phase: 'connect' });
  });

  it('maps a thrown non-Error to TransientError without reading it', async () => {
    // Prepare
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the rule under test: a rejection that is not an Error
    const { loader } = setUp([async () => Promise.reject('a string from somewhere')]);

    // Act / Assess
    await expect(loader.get()).rejects.toThrow('SECRET_FETCH_FAILED: could not read the secret from Secrets Manager (UnknownError)');
  });

  it('maps missing AWS credentials to ConfigError', async () => {
    // Prepare
    const missing = Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' });
    const { loader } = setUp([async () => Promise.reject(missing)]);

    // Act / Assess
    await expect(loader.get()).rejects.toThrow(/^AWS_CREDENTIALS_MISSING: /);
  });

  it('maps a network failure to TransientError', async () => {
    // Prepare
    const reset = Object.assign(new Error('socket hang up'), { name: 'Error', code: 'ECONNRESET' });
    const { loader } = setUp([async () => Promise.reject(reset)]);

    // Act / Assess
    await expect(loader.get()).rejects.toThrow(TransientError);
  });

  it('refuses a binary secret', async () => {
    // Prepare
    const { loader } = setUp([async () => ({ SecretBinary: new Uint8Array([1]), VersionId: 'v1' })]);

    // Act / Assess
    await expect(loader.get()).rejects.toThrow('SECRET_NOT_STRING: the secret has no SecretString (binary secrets are not supported)');
  });

  it('names a secret without a VersionId "unversioned"', async () => {
    // Prepare
    const { loader } = setUp([async () => ({ SecretString: secretString })]);

    // Act / Assess
    expect((await loader.get()).version).toBe('unversioned');
  });

  it('passes an error of the contract through unchanged', async () => {
    // Prepare
    const ours = new ConfigError('SECRET_INVALID', 'from a wrapped client');
    const { loader } = setUp([async () => Promise.reject(ours)]);

    // Act / Assess
    await expect(loader.get()).rejects.toBe(ours);
  });

  it('keeps the SDK error as the cause of a refusal, never in the message', async () => {
    // Prepare
    const cause = sdkError('ResourceNotFoundException', 'client', 400);
    const { loader } = setUp([async () => Promise.reject(cause)]);

    // Act
    const error = await loader.get().catch((caught: unknown) => caught);

    // Assess
    expect(error).toMatchObject({ message: 'SECRET_NOT_FOUND: Secrets Manager refused GetSecretValue (ResourceNotFoundException)', cause });
  });

  it('keeps the SDK error as the cause, never in the message', async () => {
    // Prepare
    const cause = sdkError('ValidationException', 'client', 400);
    const { loader } = setUp([async () => Promise.reject(cause)]);

    // Act
    const error = await loader.get().catch((caught: unknown) => caught);

    // Assess
    expect(error).toMatchObject({ message: 'SECRET_UNAVAILABLE: Secrets Manager refused GetSecretValue (ValidationException)', cause });
  });

  it('fetches on a refresh with nothing cached, whatever version it was told to skip', async () => {
    // Prepare
    const { client, loader } = setUp([ok('v1')]);

    // Act
    const fresh = await loader.get({ refresh: true, unless: 'v0' });

    // Assess
    expect(fresh.version).toBe('v1');
    expect(client.requests).toHaveLength(1);
  });

  describe('time limits', () => {
    /** A Secrets Manager that never answers, nor heeds the abort signal. */
    const hangs = () => new Promise<Partial<GetSecretValueCommandOutput>>(() => undefined);

    it('gives up waiting for a fetch at the caller\'s deadline', async () => {
      // Prepare
      const { loader, clock } = setUp([hangs]);
      const started = Date.now();

      // Act
      const outcome = loader.get({ deadline: clock.now() + 300 });

      // Assess
      await expect(outcome).rejects.toThrow('SECRET_FETCH_TIMEOUT: Secrets Manager did not answer within 300 ms');
      await expect(outcome).rejects.toMatchObject({ phase: 'connect' });
      expect(Date.now() - started).toBeLessThan(3000);
    });

    it('gives up waiting for a fetch after the call limit when the deadline is later', async () => {
      // Prepare
      const { loader, clock } = setUp([hangs], 300_000, 250);

      // Act / Assess
      await expect(loader.get({ deadline: clock.now() + 60_000 })).rejects.toThrow('SECRET_FETCH_TIMEOUT: Secrets Manager did not answer within 250 ms');
    });

    it('aborts the SDK call itself after the call limit, not only the wait for it', async () => {
      // Prepare
      const { loader, client, clock } = setUp([hangs], 300_000, 200);

      // Act
      await loader.get({ deadline: clock.now() + 60_000 }).catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 300));

      // Assess
      expect(client.signals[0]?.aborted).toBe(true);
    });

    it('leaves no timer running once the secret is fetched', async () => {
      // Prepare
      const { loader } = setUp([ok('v1'), ok('v2'), ok('v3')]);
      const timers = () => process.getActiveResourcesInfo().filter((resource) => resource === 'Timeout').length;
      const before = timers();

      // Act
      for (let fetch = 0; fetch < 3; fetch += 1) await loader.get({ refresh: true });

      // Assess: a timer of the test runner may come and go, never the three of the fetches.
      expect(timers() - before).toBeLessThan(2);
    });

    it.each([
      { name: 'fetches with exactly 200 ms left', left: 200, fetched: true },
      { name: 'does not start a fetch with less than 200 ms left', left: 199, fetched: false },
    ])('$name', async ({ left, fetched }) => {
      // Prepare
      const { loader, client, clock } = setUp([ok('v1')]);

      // Act
      const outcome = await loader.get({ deadline: clock.now() + left }).catch((error: unknown) => error);

      // Assess
      expect(client.requests).toHaveLength(fetched ? 1 : 0);
      if (!fetched) expect(outcome).toMatchObject({ message: 'DEADLINE_EXCEEDED: no time left to fetch the secret from Secrets Manager', phase: 'connect' });
    });
  });
});
