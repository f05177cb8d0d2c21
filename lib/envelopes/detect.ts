import type { APIGatewayProxyEvent, APIGatewayProxyEventV2, EventBridgeEvent } from 'aws-lambda';
import { isPlainObject } from '../command.js';

/** The ways the function is invoked (CONTRACT.md ("The request")). */
const Envelope = {
  API_GATEWAY_V1: 'api-gateway-v1',
  API_GATEWAY_V2: 'api-gateway-v2',
  EVENT_BRIDGE: 'event-bridge',
  DIRECT: 'direct',
} as const;
type Envelope = (typeof Envelope)[keyof typeof Envelope];

/** The API Gateway payload versions: REST API / HTTP API 1.0, and HTTP API 2.0. */
type ApiGatewayVersion = typeof Envelope.API_GATEWAY_V1 | typeof Envelope.API_GATEWAY_V2;

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
 * Tells the envelope of an invocation apart by its shape alone. Never throws: anything that is not
 * recognisably API Gateway or EventBridge is a direct (or Step Functions) invocation, whose
 * command is then validated as is.
 *
 * @example
 * const envelope = detectEnvelope(event); // 'api-gateway-v2'
 */
const detectEnvelope = (event: unknown): Envelope => {
  if (isApiGatewayV2Event(event)) return Envelope.API_GATEWAY_V2;
  if (isApiGatewayV1Event(event)) return Envelope.API_GATEWAY_V1;
  if (isEventBridgeEvent(event)) return Envelope.EVENT_BRIDGE;
  return Envelope.DIRECT;
};

export { Envelope, detectEnvelope, isApiGatewayV1Event, isApiGatewayV2Event, isEventBridgeEvent };
export type { ApiGatewayVersion };
