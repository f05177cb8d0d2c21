/**
 * A value read from a parsed document (JSON, YAML, an event) as text for a message or a variable:
 * a string as it is, an object or array as JSON, anything else as `String()` writes it. Never
 * "[object Object]".
 *
 * @example
 * textOf(128); // '128'
 * textOf({ Ref: 'Queue' }); // '{"Ref":"Queue"}'
 */
const textOf = (value: unknown): string => {
  if (typeof value === 'string') return value;
  return typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);
};

export { textOf };
