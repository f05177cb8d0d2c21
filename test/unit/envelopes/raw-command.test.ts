import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../lib/errors.js';
import { detectEnvelope, rawCommandOf } from '../../../lib/envelopes/index.js';
import { EVENT_FIXTURE_NAMES, loadEvent } from '../../fixtures/events/index.js';

describe('envelopes/raw-command', () => {
  describe('rawCommandOf', () => {
    it.each(EVENT_FIXTURE_NAMES.map((name) => ({ name })))('takes the same command out of the $name sample event', ({ name }) => {
      // Prepare
      const enveloped = detectEnvelope(loadEvent(name));

      // Act
      const raw = rawCommandOf(enveloped);

      // Assess: all four samples carry the command of the direct one.
      expect(enveloped.envelope).toBe(name);
      expect(raw).toStrictEqual(loadEvent('direct'));
    });

    it.each([
      { name: 'a string', event: 'cancel 1234323JKHDFE1243252' },
      { name: 'null', event: null },
      { name: 'an object', event: { out_order_no: 1 } },
    ])('passes a direct invocation of $name on as it is, for parseCommand to judge', ({ event }) => {
      // Act
      const raw = rawCommandOf(detectEnvelope(event));

      // Assess
      expect(raw).toBe(event);
    });

    it.each([
      { name: 'an EventBridge detail that is not an object', event: { ...loadEvent('event-bridge'), detail: 'text' }, code: 'INVALID_REQUEST' },
      { name: 'an API Gateway GET', event: { ...loadEvent('api-gateway-v1'), httpMethod: 'GET' }, code: 'METHOD_NOT_ALLOWED' },
      { name: 'an HTTP API body that is not JSON', event: { ...loadEvent('api-gateway-v2'), body: 'x', isBase64Encoded: false }, code: 'INVALID_BODY' },
    ])('rejects $name as $code', ({ event, code }) => {
      // Act
      const act = () => rawCommandOf(detectEnvelope(event));

      // Assess
      expect(act).toThrow(ValidationError);
      expect(act).toThrow(new RegExp(`^${code}: `));
    });
  });
});
