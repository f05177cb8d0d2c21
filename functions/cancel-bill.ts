import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { readConfig, readTelemetrySettings } from '../lib/config.js';
import { createDefaultDeps } from '../lib/deps.js';
import { createHandler } from '../lib/handler.js';
import type { Setup } from '../lib/handler.js';
import { createTelemetry } from '../lib/telemetry.js';

/** Lambda init: read the configuration once; a bad one is reported by every invocation, not thrown here. */
const settings = readTelemetrySettings(process.env);
const logger = new Logger({ serviceName: settings.serviceName });
const telemetry = createTelemetry({
  logger,
  metrics: new Metrics({ namespace: settings.metricsNamespace, serviceName: settings.serviceName }),
});

const setup = ((): Setup => {
  try {
    const config = readConfig(process.env);
    const deps = createDefaultDeps(config);
    // Overlap the secret fetch with the rest of the cold start; the handler awaits the shared
    // in-flight fetch, and a failure here is retried there (never an init crash).
    deps.secrets.get().catch(() => undefined);
    return { telemetry, config, deps };
  } catch (error) {
    return { telemetry, error: error as Error };
  }
})();

const handler = createHandler(setup);

export { handler };
