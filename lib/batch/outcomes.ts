/**
 * What happened to each order of a batch. The item processor of cancel-rental-orders-batch ends
 * every order in one of these (infra/batch-state-machine.asl.yml); the report counts them.
 */

/** In the order the summary lists them. */
const OUTCOMES = ['cancelled', 'already_cancelled', 'not_cancellable', 'not_found', 'invalid', 'failed'] as const;
type Outcome = (typeof OUTCOMES)[number];
type OutcomeCounts = Record<Outcome, number>;

const isOutcome = (value: unknown): value is Outcome => (OUTCOMES as readonly unknown[]).includes(value);

/** Every outcome at zero. */
const emptyCounts = (): OutcomeCounts => Object.fromEntries(OUTCOMES.map((outcome) => [outcome, 0])) as OutcomeCounts;

/** Outcomes whose rows go into retry.csv: nothing is known to have happened to them, or they failed. */
const RETRYABLE_OUTCOMES: readonly Outcome[] = ['failed'];

export { OUTCOMES, RETRYABLE_OUTCOMES, isOutcome, emptyCounts };
export type { Outcome, OutcomeCounts };
