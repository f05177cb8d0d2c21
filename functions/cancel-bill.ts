import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { readTelemetrySettings } from '../lib/config.js';
import { createSetup } from '../lib/deps.js';
import { createHandler } from '../lib/handler.js';
import { createTelemetry } from '../lib/telemetry.js';

/** Lambda init: telemetry first, so even a bad configuration is reported by every invocation's line. */
const settings = readTelemetrySettings(process.env);
const logger = new Logger({ serviceName: settings.serviceName });
const telemetry = createTelemetry({
  logger,
  metrics: new Metrics({ namespace: settings.metricsNamespace, serviceName: settings.serviceName }),
  serviceName: settings.serviceName,
});

const handler = createHandler(createSetup(telemetry, process.env));

export { handler };
