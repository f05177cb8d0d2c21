import { describe, expect, it } from 'vitest';
import { answersOverHttp, detectEnvelope } from '../../../lib/envelopes/index.js';
import { loadEvent } from '../../fixtures/events/index.js';

describe('envelopes/envelope', () => {
  describe('answersOverHttp', () => {
    it.each([
      { name: 'api-gateway-v1', http: true },
      { name: 'api-gateway-v2', http: true },
      { name: 'event-bridge', http: false },
      { name: 'direct', http: false },
    ] as const)('answers the $name sample event over HTTP: $http', ({ name, http }) => {
      // Prepare
      const enveloped = detectEnvelope(loadEvent(name));

      // Act
      const answers = answersOverHttp(enveloped);

      // Assess
      expect(enveloped.envelope).toBe(name);
      expect(answers).toBe(http);
    });
  });
});
