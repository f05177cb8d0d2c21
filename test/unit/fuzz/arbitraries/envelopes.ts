import fc from 'fast-check';
import { objectOf, toEvent } from '../support/json-text.js';
import type { JsonTree } from '../support/json-text.js';
import { jsonTree, rawCommand } from './commands.js';
import { apiGatewayEvent } from './http-events.js';
import { hostileString } from './strings.js';

type EnvelopeKind = 'direct' | 'event-bridge' | 'api-gateway-v1' | 'api-gateway-v2';
type FuzzedEvent = { kind: EnvelopeKind; event: unknown };

/** Mostly a command object with a few defects, sometimes any JSON value at all. */
const commandOrAnything = fc.oneof({ arbitrary: rawCommand, weight: 8 }, jsonTree);

const direct = commandOrAnything.map((tree: JsonTree): FuzzedEvent => ({ kind: 'direct', event: toEvent(tree) }));

const eventBridge = fc
  .tuple(fc.oneof({ arbitrary: fc.constant('RentalOrderCancelRequested'), weight: 3 }, hostileString), commandOrAnything)
  .map(([detailType, detail]): FuzzedEvent => {
    const envelope = objectOf([
      ['version', '0'], ['id', '6a7e8feb-b491-4cf7-a9f1-bf3703467718'], ['detail-type', detailType],
      ['source', 'com.example.rentals'], ['time', '2026-11-26T23:16:02Z'], ['resources', []], ['detail', detail],
    ]);
    return { kind: 'event-bridge', event: toEvent(envelope) };
  });

/** An invocation in any envelope of CONTRACT.md, with fuzzed content. */
const fuzzedEvent: fc.Arbitrary<FuzzedEvent> = fc.oneof(
  direct,
  eventBridge,
  apiGatewayEvent('api-gateway-v1').map((event): FuzzedEvent => ({ kind: 'api-gateway-v1', event })),
  apiGatewayEvent('api-gateway-v2').map((event): FuzzedEvent => ({ kind: 'api-gateway-v2', event })),
);

export { fuzzedEvent };
export type { EnvelopeKind, FuzzedEvent };
