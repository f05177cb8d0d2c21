import { S3Client } from '@aws-sdk/client-s3';
import { Logger } from '@aws-lambda-powertools/logger';
import { readBatchConfig } from '../lib/batch/config.js';
import { readTelemetrySettings } from '../lib/config.js';
import { createBatchHandler } from '../lib/batch/handler.js';
import type { BatchSetup } from '../lib/batch/handler.js';
import { createS3Store } from '../lib/batch/store.js';

/** Lambda init: a bad configuration is kept and reported by every invocation, never thrown at import. */
const logger = new Logger({ serviceName: readTelemetrySettings(process.env).serviceName });
const setup = ((): BatchSetup => {
  try {
    const config = readBatchConfig(process.env);
    // Bounded requests: a stuck connection fails and is retried by the SDK instead of eating the invocation.
    const client = new S3Client({ maxAttempts: 4, requestHandler: { connectionTimeout: 2000, requestTimeout: 60_000, throwOnRequestTimeout: true } });
    return { log: logger, config, store: createS3Store(client, config.bucket) };
  } catch (error) {
    return { log: logger, error: error as Error };
  }
})();

const handler = createBatchHandler(setup);

export { handler };
