import type { APIGatewayProxyEvent, APIGatewayProxyEventV2, EventBridgeEvent } from 'aws-lambda';

/** The ways the function is invoked (CONTRACT.md "The request"), by name. */
const Envelope = {
  API_GATEWAY_V1: 'api-gateway-v1',
  API_GATEWAY_V2: 'api-gateway-v2',
  EVENT_BRIDGE: 'event-bridge',
  DIRECT: 'direct',
} as const;
type Envelope = (typeof Envelope)[keyof typeof Envelope];

/** The event type of each envelope, keyed by envelope. */
type EnvelopeEvents = {
  'api-gateway-v1': APIGatewayProxyEvent;
  'api-gateway-v2': APIGatewayProxyEventV2;
  'event-bridge': EventBridgeEvent<string, unknown>;
  /** A direct or Step Functions invocation: the event is the command itself, not yet validated. */
  direct: unknown;
};

/**
 * An invocation's event with its envelope told apart, the one shape every envelope has:
 * `{ envelope, event }`, keyed by `envelope`, with `event` typed for that envelope. Checking
 * `envelope` narrows `event`, so no code that reads the event needs a cast.
 */
type EnvelopedEvent<E extends Envelope = Envelope> = { [K in E]: Readonly<{ envelope: K; event: EnvelopeEvents[K] }> }[E];

/** The API Gateway payload versions: REST API / HTTP API 1.0, and HTTP API 2.0. */
type ApiGatewayVersion = typeof Envelope.API_GATEWAY_V1 | typeof Envelope.API_GATEWAY_V2;

/** An API Gateway request of either payload version. */
type ApiGatewayRequest = EnvelopedEvent<ApiGatewayVersion>;

/**
 * True for an API Gateway request, whose caller gets an HTTP response rather than the result or a
 * thrown error; it narrows the event to `ApiGatewayRequest`.
 *
 * @example
 * if (answersOverHttp(enveloped)) return toApiGatewayResponse(outcome, requestId);
 */
const answersOverHttp = (enveloped: EnvelopedEvent): enveloped is ApiGatewayRequest =>
  enveloped.envelope === Envelope.API_GATEWAY_V1 || enveloped.envelope === Envelope.API_GATEWAY_V2;

export { Envelope, answersOverHttp };
export type { ApiGatewayRequest, ApiGatewayVersion, EnvelopeEvents, EnvelopedEvent };
