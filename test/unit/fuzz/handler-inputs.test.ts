import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fuzzedEvent } from './arbitraries/envelopes.js';
import type { FuzzedEvent } from './arbitraries/envelopes.js';
import { replyPlan } from './arbitraries/replies.js';
import type { ReplyPlan } from './arbitraries/replies.js';
import { expectContractOutcome } from './support/contract-outcome.js';
import { API_KEY, CONFIGS, createFuzzHarness } from './support/harness.js';
import type { ConfigName } from './support/harness.js';
import { settleProcess, snapshotPrototypes, watchUnhandledRejections } from './support/process-guards.js';
import { expectTruthfulAnswer } from './support/truth.js';
import { wireProblems } from './support/wire.js';

const NUM_RUNS = 300;
/** A hang becomes a counterexample instead of a suite timeout; a run takes about a millisecond. */
const HANG_LIMIT_MS = 2_000;

type Scenario = { input: FuzzedEvent; plan: ReplyPlan; config: ConfigName; remainingMs: number | undefined };

const scenario: fc.Arbitrary<Scenario> = fc.record({
  input: fuzzedEvent,
  plan: replyPlan,
  config: fc.constantFrom<ConfigName>('with-defaults', 'without-defaults'),
  remainingMs: fc.oneof({ arbitrary: fc.constant(20_000), weight: 4 }, fc.integer({ min: 0, max: 30_000 }), fc.constant(undefined)),
});

const isHttp = (input: FuzzedEvent): boolean => input.kind === 'api-gateway-v1' || input.kind === 'api-gateway-v2';

const run = async ({ input, plan, config, remainingMs }: Scenario) => {
  const harness = createFuzzHarness({ config, plan, remainingMs });
  const settled = await harness.invoke(input.event);
  return { harness, settled };
};

describe('fuzz/handler-inputs', () => {
  let rejections: ReturnType<typeof watchUnhandledRejections>;
  let prototypes: ReturnType<typeof snapshotPrototypes>;

  beforeAll(() => {
    rejections = watchUnhandledRejections();
    prototypes = snapshotPrototypes();
  });

  afterAll(() => {
    rejections.stop();
    // Also covers the properties that ran after the last per-run check.
    expect(rejections.seen).toEqual([]);
  });

  it('ends every invocation in the contract result or one of its seven named errors, truthfully, logged once', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (example) => {
        // Act
        const { harness, settled } = await run(example);

        // Assess
        const answer = expectContractOutcome(settled, { http: isHttp(example.input), requestId: harness.requestId });
        expect(harness.lines.filter((line) => line.message === 'cancel-bill invocation')).toHaveLength(1);
        expectTruthfulAnswer(answer, harness);
      }),
      { numRuns: NUM_RUNS, seed: 0x5eed_0001, plugins: [fc.timeout(HANG_LIMIT_MS)] },
    );
  });

  it('sends WeChat Pay only requests that follow the contract', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (example) => {
        // Act
        const { harness } = await run(example);

        // Assess
        for (const request of harness.requests) {
          expect(wireProblems(request, { baseUrls: harness.baseUrls, apiKey: API_KEY })).toEqual([]);
          expect(request.headers['Content-Type']).toBe('text/xml; charset=utf-8');
        }
      }),
      { numRuns: NUM_RUNS, seed: 0x5eed_0002, plugins: [fc.timeout(HANG_LIMIT_MS)] },
    );
  });

  it('leaves the built-in prototypes untouched and no promise rejection unhandled', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (example) => {
        // Act
        await run(example);
        await settleProcess();

        // Assess
        prototypes.expectUnchanged();
        expect(rejections.seen).toEqual([]);
      }),
      { numRuns: NUM_RUNS, seed: 0x5eed_0003, plugins: [fc.timeout(HANG_LIMIT_MS)] },
    );
  });

  it('answers within the Lambda deadline in fake time, every attempt bounded by it', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (example) => {
        // Act
        const { harness } = await run(example);

        // Assess
        const { remainingMs } = example;
        for (const request of harness.requests) {
          expect(request.timeoutMs).toBeGreaterThan(0);
          expect(request.timeoutMs).toBeLessThanOrEqual(CONFIGS[example.config].timeoutMs);
          if (remainingMs !== undefined) expect(request.at + request.timeoutMs).toBeLessThanOrEqual(harness.startedAt + remainingMs);
        }
        if (remainingMs !== undefined) expect(harness.clock.now() - harness.startedAt).toBeLessThanOrEqual(remainingMs);
      }),
      { numRuns: NUM_RUNS, seed: 0x5eed_0004, plugins: [fc.timeout(HANG_LIMIT_MS)] },
    );
  });
});
