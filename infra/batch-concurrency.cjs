// MaxConcurrency of cancel-rental-orders-batch's Distributed Map, from the stage parameter
// batchMaxConcurrency; see docs/batch.md ("How fast: batchMaxConcurrency"). A `--param` value
// arrives as a string, which the definition would refuse ("must be number"): this makes it the
// integer ASL wants.
module.exports = async ({ resolveVariable }) => {
  const raw = await resolveVariable('param:batchMaxConcurrency');
  const value = typeof raw === 'number' ? raw : /^\d+$/.test(String(raw).trim()) ? Number(String(raw).trim()) : Number.NaN;
  // 0 would mean "no limit" to Step Functions; a Distributed Map runs at most 10,000 children at once.
  if (!Number.isInteger(value) || value < 1 || value > 10_000) {
    throw new Error(`batchMaxConcurrency must be an integer from 1 to 10000, not ${JSON.stringify(raw)}`);
  }
  return value;
};
