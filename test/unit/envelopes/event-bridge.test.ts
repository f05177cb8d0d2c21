import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../lib/errors.js';
import { commandFromEventBridge } from '../../../lib/envelopes/index.js';
import { loadEvent } from '../../fixtures/events/index.js';

describe('envelopes/event-bridge', () => {
  describe('commandFromEventBridge', () => {
    it('returns the detail as the raw command', () => {
      // Prepare
      const event = loadEvent('event-bridge');

      // Act
      const raw = commandFromEventBridge(event);

      // Assess
      expect(raw).toStrictEqual(loadEvent('direct'));
    });

    it.each([
      { name: 'null', detail: null },
      { name: 'a string', detail: '{"out_order_no":"A1"}' },
      { name: 'an array', detail: [{ out_order_no: 'A1' }] },
      { name: 'a number', detail: 7 },
      { name: 'absence', detail: undefined },
    ])('rejects a detail that is $name as INVALID_REQUEST', ({ detail }) => {
      // Prepare
      const event = { ...loadEvent('event-bridge'), detail };

      // Act
      const act = () => commandFromEventBridge(event);

      // Assess
      expect(act).toThrow(ValidationError);
      expect(act).toThrow('INVALID_REQUEST: the EventBridge detail must be a JSON object');
    });
  });
});
