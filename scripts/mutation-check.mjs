// Per-file rule of the mutation test: Stryker's `thresholds.break` applies to the whole score, so
// this reads its JSON report and fails when any file of lib/ scores under the floor.
// Usage: node scripts/mutation-check.mjs [report.json] [floor percent]
import { readFileSync } from 'node:fs';

const [reportPath = 'reports/mutation/mutation.json', floorText = '80'] = process.argv.slice(2);
const floor = Number(floorText);
const report = JSON.parse(readFileSync(reportPath, 'utf8'));

/** Stryker's mutation score: detected over valid mutants (killed + timeout over all but errors and ignored). */
const score = (mutants) => {
  const count = (status) => mutants.filter((mutant) => mutant.status === status).length;
  const detected = count('Killed') + count('Timeout');
  const valid = detected + count('Survived') + count('NoCoverage');
  return { detected, valid, percent: valid === 0 ? 100 : (100 * detected) / valid };
};

const rows = Object.entries(report.files)
  .map(([file, { mutants }]) => ({ file, ...score(mutants) }))
  .sort((a, b) => a.percent - b.percent);
const all = score(Object.values(report.files).flatMap(({ mutants }) => mutants));
for (const row of rows) console.log(`${row.percent.toFixed(1).padStart(6)}%  ${String(row.detected).padStart(4)}/${String(row.valid).padEnd(4)} ${row.file}`);
console.log(`${all.percent.toFixed(1).padStart(6)}%  ${String(all.detected).padStart(4)}/${String(all.valid).padEnd(4)} overall`);
const below = rows.filter((row) => row.percent < floor);
if (below.length > 0) {
  console.error(`mutation score under ${floor}% in: ${below.map((row) => row.file).join(', ')}`);
  process.exit(1);
}
