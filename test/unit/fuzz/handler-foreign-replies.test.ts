import fc from 'fast-check';
import { describe, it } from 'vitest';
import { validCommand } from './arbitraries/commands.js';
import { SIGNED_SUCCESS } from './arbitraries/replies.js';
import type { Reply } from './arbitraries/replies.js';
import { expectContractOutcome } from './support/contract-outcome.js';
import { createFuzzHarness } from './support/harness.js';
import { expectTruthfulAnswer } from './support/truth.js';

const NUM_RUNS = 100;
const HANG_LIMIT_MS = 2_000;
const SENT_FAILURE: Reply = { kind: 'throw', failure: 'sent', latencyMs: 0 };

/** What leaves the cancel's outcome open, so that the function asks `wxv/queryrentbill` (spec §6, §9). */
const OPEN_OUTCOMES: Readonly<Record<string, readonly Reply[]>> = {
  'signed PARAM_ERROR': [{ kind: 'signed', resultCode: 'FAIL', errCode: 'PARAM_ERROR', state: '', echo: 'none', latencyMs: 0 }],
  'signed INVALID_ORDER_STATE': [{ kind: 'signed', resultCode: 'FAIL', errCode: 'INVALID_ORDER_STATE', state: '', echo: 'none', latencyMs: 0 }],
  'unsigned PARAM_ERROR': [{ kind: 'unsigned-fail', errCode: 'PARAM_ERROR', latencyMs: 0 }],
  'every attempt reset after sending': [SENT_FAILURE, SENT_FAILURE, SENT_FAILURE],
};

/**
 * A signed reply is authentic, but it is only evidence about the order it names: the cancel path
 * refuses one that names another order (`OUT_ORDER_NO_MISMATCH`), and the query path must too.
 */
describe('fuzz/handler-foreign-replies', () => {
  it('never answers from a signed queryrentbill reply about another order', async () => {
    await fc.assert(
      fc.asyncProperty(
        validCommand,
        fc.constantFrom(...Object.keys(OPEN_OUTCOMES)),
        fc.constantFrom('REVOKED', 'EXPIRED', 'FINISHED', 'USER_PAID'),
        async (command, opening, foreignState) => {
          // Prepare
          const foreign: Reply = { kind: 'signed', resultCode: 'SUCCESS', errCode: '', state: foreignState, echo: 'other', latencyMs: 0 };
          const steps = [...(OPEN_OUTCOMES[opening] ?? []), foreign, foreign];
          const harness = createFuzzHarness({ config: 'with-defaults', plan: { steps, then: SIGNED_SUCCESS }, remainingMs: 20_000 });

          // Act
          const settled = await harness.invoke({ ...command });

          // Assess
          const answer = expectContractOutcome(settled, { http: false, requestId: harness.requestId });
          expectTruthfulAnswer(answer, harness);
        },
      ),
      { numRuns: NUM_RUNS, seed: 0x5eed_0201, plugins: [fc.timeout(HANG_LIMIT_MS)] },
    );
  });
});
