import { describe, expect, it } from 'vitest';
import { parseCommand } from '../../../lib/command.js';
import {
  commandFromApiGateway,
  commandFromEventBridge,
  detectEnvelope,
  isApiGatewayV1Event,
  isApiGatewayV2Event,
  isEventBridgeEvent,
} from '../../../lib/envelopes/index.js';
import { EVENT_FIXTURE_NAMES, loadEvent } from '../../fixtures/events/index.js';

/** What the handler does with an event before cancelling, written out with the type guards. */
const commandOf = (event: unknown): unknown => {
  if (isApiGatewayV2Event(event)) return commandFromApiGateway(event, 'api-gateway-v2');
  if (isApiGatewayV1Event(event)) return commandFromApiGateway(event, 'api-gateway-v1');
  if (isEventBridgeEvent(event)) return commandFromEventBridge(event);
  return event;
};

describe('envelopes', () => {
  it.each(EVENT_FIXTURE_NAMES.map((name) => ({ name })))('yields the same command from the $name sample', ({ name }) => {
    // Prepare
    const event: unknown = loadEvent(name);

    // Act
    const command = parseCommand(commandOf(event), {});

    // Assess
    expect(detectEnvelope(event)).toBe(name);
    expect(command).toStrictEqual({
      out_order_no: '1234323JKHDFE1243252',
      reason: '用户投诉',
      service_id: '2002000000000558128851361561536',
      appid: 'wxd678efh567hg6787',
    });
  });
});
