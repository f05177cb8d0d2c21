import { describe, expect, it } from 'vitest';
import { detectEnvelope } from '../../../lib/envelopes/index.js';
import { loadEvent } from '../../fixtures/events/index.js';

describe('envelopes/detect', () => {
  describe('detectEnvelope', () => {
    it.each([
      { name: 'a REST API proxy event', event: loadEvent('api-gateway-v1'), expected: 'api-gateway-v1' },
      { name: 'an HTTP API payload 2.0 event', event: loadEvent('api-gateway-v2'), expected: 'api-gateway-v2' },
      { name: 'an EventBridge event', event: loadEvent('event-bridge'), expected: 'event-bridge' },
      { name: 'a direct command', event: loadEvent('direct'), expected: 'direct' },
    ])('recognises $name from the sample events', ({ event, expected }) => {
      // Act
      const enveloped = detectEnvelope(event);

      // Assess
      expect(enveloped.envelope).toBe(expected);
      expect(enveloped.event).toBe(event);
    });

    it.each([
      {
        name: 'an HTTP API payload 1.0 event as api-gateway-v1',
        event: { ...loadEvent('api-gateway-v1'), version: '1.0' },
        expected: 'api-gateway-v1',
      },
      {
        name: 'a REST event with a path but no resource as api-gateway-v1',
        event: { ...loadEvent('api-gateway-v1'), resource: undefined },
        expected: 'api-gateway-v1',
      },
      {
        name: 'a REST event with a resource but no path as api-gateway-v1',
        event: { ...loadEvent('api-gateway-v1'), path: undefined },
        expected: 'api-gateway-v1',
      },
      {
        name: 'a REST event without httpMethod as direct',
        event: { ...loadEvent('api-gateway-v1'), httpMethod: undefined },
        expected: 'direct',
      },
      {
        name: 'a REST event whose httpMethod is not a string as direct',
        event: { ...loadEvent('api-gateway-v1'), httpMethod: 1 },
        expected: 'direct',
      },
      {
        name: 'a REST event with neither resource nor path as direct',
        event: { ...loadEvent('api-gateway-v1'), resource: undefined, path: undefined },
        expected: 'direct',
      },
      {
        name: 'a REST event without requestContext as direct',
        event: { ...loadEvent('api-gateway-v1'), requestContext: null },
        expected: 'direct',
      },
      {
        name: 'a version 2.0 event without requestContext.http as direct',
        event: { ...loadEvent('api-gateway-v2'), requestContext: { requestId: 'x' } },
        expected: 'direct',
      },
      {
        name: 'a payload 2.0 event with a numeric version as direct',
        event: { ...loadEvent('api-gateway-v2'), version: 2 },
        expected: 'direct',
      },
      {
        name: 'a scheduled EventBridge event with an empty detail as event-bridge',
        event: { ...loadEvent('event-bridge'), 'detail-type': 'Scheduled Event', source: 'aws.events', detail: {} },
        expected: 'event-bridge',
      },
      {
        name: 'an EventBridge event whose detail is not an object as event-bridge',
        event: { ...loadEvent('event-bridge'), detail: 'text' },
        expected: 'event-bridge',
      },
      {
        name: 'a command with detail but no detail-type as direct',
        event: { ...loadEvent('direct'), detail: {} },
        expected: 'direct',
      },
      { name: 'null as direct', event: null, expected: 'direct' },
      { name: 'undefined as direct', event: undefined, expected: 'direct' },
      { name: 'a string as direct', event: '{"httpMethod":"POST"}', expected: 'direct' },
      { name: 'an array as direct', event: [loadEvent('api-gateway-v2')], expected: 'direct' },
      {
        name: 'an object inheriting the API Gateway shape as direct',
        event: Object.create(loadEvent('api-gateway-v1')) as unknown,
        expected: 'direct',
      },
    ])('tells $name', ({ event, expected }) => {
      // Act
      const enveloped = detectEnvelope(event);

      // Assess
      expect(enveloped.envelope).toBe(expected);
      expect(enveloped.event).toBe(event);
    });
  });
});
