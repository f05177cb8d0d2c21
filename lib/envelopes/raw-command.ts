import { commandFromApiGateway } from './api-gateway.js';
import type { EnvelopedEvent } from './envelope.js';
import { commandFromEventBridge } from './event-bridge.js';

/**
 * Takes the raw command (not yet validated) out of an event whose envelope is told apart: the
 * event itself for a direct or Step Functions invocation, `detail` for EventBridge, the path and
 * body for API Gateway. Adding an envelope to `EnvelopedEvent` without a branch here fails to
 * type-check.
 *
 * @throws {ValidationError} what `commandFromApiGateway` and `commandFromEventBridge` throw.
 * @example
 * const raw = rawCommandOf(detectEnvelope(event));
 */
const rawCommandOf = (enveloped: EnvelopedEvent): unknown => {
  if (enveloped.envelope === 'direct') return enveloped.event;
  if (enveloped.envelope === 'event-bridge') return commandFromEventBridge(enveloped.event);
  return commandFromApiGateway(enveloped);
};

export { rawCommandOf };
