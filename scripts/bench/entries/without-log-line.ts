/**
 * The function with its invocation log line (Powertools Logger and Metrics) replaced by nothing:
 * the rest of its warm cost, for scripts/bench/parts.ts. Never deployed.
 */
import { readConfig } from '../../../lib/config.js';
import { createDefaultDeps } from '../../../lib/deps.js';
import { createHandler } from '../../../lib/handler.js';
import type { Telemetry } from '../../../lib/telemetry.js';

const telemetry: Telemetry = { logInvocation: () => undefined };
const config = readConfig(process.env);
const deps = createDefaultDeps(config);
deps.secrets.get().catch(() => undefined);

const handler = createHandler({ telemetry, config, deps });

export { handler };
