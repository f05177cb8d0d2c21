// Prints the layout of the stage's CloudWatch dashboard (infra/dashboard.yml) as text, drawn from
// the body that `serverless package` writes: the picture in docs/operations.md ("The dashboard").
// test/deploy/operations-template.test.ts fails when the two differ.
//   npx tsx scripts/dashboard-layout.ts
import { dashboardOf, drawDashboard } from '../test/deploy/support/dashboard.js';
import { packageService, TEST_STAGE_PARAMS } from '../test/deploy/support/package-service.js';

const packaged = await packageService(TEST_STAGE_PARAMS);
try {
  console.log(drawDashboard(dashboardOf(packaged.template).body));
} finally {
  await packaged.cleanup();
}
