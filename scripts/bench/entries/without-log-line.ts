/**
 * The function with its invocation log line (Powertools Logger and Metrics) replaced by nothing:
 * the rest of its warm cost, for scripts/bench/parts.ts. Never deployed.
 */
import { createSetup } from '../../../lib/deps.js';
import { createHandler } from '../../../lib/handler.js';
import type { Telemetry } from '../../../lib/telemetry.js';

const telemetry: Telemetry = { logInvocation: () => undefined };
const handler = createHandler(createSetup(telemetry, process.env));

export { handler };
