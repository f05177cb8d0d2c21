import type { EventBridgeEvent } from 'aws-lambda';
import { isPlainObject } from '../command.js';
import { ValidationError } from '../errors.js';

/**
 * Takes the raw command out of an EventBridge event: it is the event's `detail`, validated later
 * by `parseCommand`.
 *
 * @throws {ValidationError} `INVALID_REQUEST` when `detail` is not a JSON object.
 */
const commandFromEventBridge = (event: EventBridgeEvent<string, unknown>): unknown => {
  const detail = Object.hasOwn(event, 'detail') ? event.detail : undefined;
  if (!isPlainObject(detail)) throw new ValidationError('INVALID_REQUEST', 'the EventBridge detail must be a JSON object');
  return detail;
};

export { commandFromEventBridge };
