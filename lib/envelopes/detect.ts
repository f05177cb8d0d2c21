import type { APIGatewayProxyEvent, APIGatewayProxyEventV2, EventBridgeEvent } from 'aws-lambda';
import { isPlainObject } from '../command.js';
import { Envelope } from './envelope.js';
import type { EnvelopedEvent } from './envelope.js';

const own = (value: Record<string, unknown>, name: string): unknown => (Object.hasOwn(value, name) ? value[name] : undefined);

/** An HTTP API payload 2.0 event: `version: '2.0'` and `requestContext.http`. */
const isApiGatewayV2Event = (event: unknown): event is APIGatewayProxyEventV2 => {
  if (!isPlainObject(event) || own(event, 'version') !== '2.0') return false;
  const context = own(event, 'requestContext');
  return isPlainObject(context) && isPlainObject(own(context, 'http'));
};

/** A REST API (or HTTP API payload 1.0) proxy event: `httpMethod`, `requestContext`, and `resource` or `path`. */
const isApiGatewayV1Event = (event: unknown): event is APIGatewayProxyEvent =>
  isPlainObject(event) &&
  typeof own(event, 'httpMethod') === 'string' &&
  isPlainObject(own(event, 'requestContext')) &&
  (typeof own(event, 'resource') === 'string' || typeof own(event, 'path') === 'string');

/** Any EventBridge event: it carries `detail-type` and `detail`. */
const isEventBridgeEvent = (event: unknown): event is EventBridgeEvent<string, unknown> =>
  isPlainObject(event) && typeof own(event, 'detail-type') === 'string' && Object.hasOwn(event, 'detail');

/**
 * Tells the envelope of an invocation apart by its shape alone, and returns the event with it,
 * typed for that envelope. Never throws: anything that is not recognisably API Gateway or
 * EventBridge is a direct (or Step Functions) invocation, whose command is then validated as is.
 *
 * @example
 * const { envelope } = detectEnvelope(event); // 'api-gateway-v2'
 */
const detectEnvelope = (event: unknown): EnvelopedEvent => {
  if (isApiGatewayV2Event(event)) return { envelope: Envelope.API_GATEWAY_V2, event };
  if (isApiGatewayV1Event(event)) return { envelope: Envelope.API_GATEWAY_V1, event };
  if (isEventBridgeEvent(event)) return { envelope: Envelope.EVENT_BRIDGE, event };
  return { envelope: Envelope.DIRECT, event };
};

export { detectEnvelope, isApiGatewayV1Event, isApiGatewayV2Event, isEventBridgeEvent };
