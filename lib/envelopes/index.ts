/**
 * The envelopes of CONTRACT.md ("The request"): telling them apart, taking the command out, and
 * the HTTP response for API Gateway. Other areas import from here only.
 */
export { commandFromApiGateway, toApiGatewayResponse, HTTP_STATUS, MAX_BODY_BYTES } from './api-gateway.js';
export type { ApiGatewayEvent, Outcome } from './api-gateway.js';
export { detectEnvelope, isApiGatewayV1Event, isApiGatewayV2Event, isEventBridgeEvent } from './detect.js';
export { Envelope, answersOverHttp } from './envelope.js';
export type { ApiGatewayRequest, ApiGatewayVersion, EnvelopeEvents, EnvelopedEvent } from './envelope.js';
export { commandFromEventBridge } from './event-bridge.js';
export { rawCommandOf } from './raw-command.js';
