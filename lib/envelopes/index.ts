export { commandFromApiGateway, toApiGatewayResponse, HTTP_STATUS, MAX_BODY_BYTES } from './api-gateway.js';
export type { ApiGatewayEvent, Outcome } from './api-gateway.js';
export { Envelope, detectEnvelope, isApiGatewayV1Event, isApiGatewayV2Event, isEventBridgeEvent } from './detect.js';
export type { ApiGatewayVersion } from './detect.js';
export { commandFromEventBridge } from './event-bridge.js';
