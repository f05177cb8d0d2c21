/**
 * A JSON document as the Lambda runtime receives it: text. Objects are kept as ordered entry lists
 * so a tree can carry what a JS object literal cannot: an own `__proto__` key and repeated keys.
 */
type JsonTree = null | boolean | number | string | JsonTree[] | JsonObject;
type JsonObject = { readonly entries: readonly (readonly [string, JsonTree])[] };

const isJsonObject = (tree: JsonTree): tree is JsonObject =>
  typeof tree === 'object' && tree !== null && !Array.isArray(tree);

/** Serialises a tree; non-finite numbers become `null`, as `JSON.stringify` does. */
const toJsonText = (tree: JsonTree): string => {
  if (Array.isArray(tree)) return `[${tree.map(toJsonText).join(',')}]`;
  if (isJsonObject(tree)) return `{${tree.entries.map(([key, value]) => `${JSON.stringify(key)}:${toJsonText(value)}`).join(',')}}`;
  return JSON.stringify(tree);
};

/** The value the runtime hands the handler: `JSON.parse` of the text, so `__proto__` is an own key. */
const toEvent = (tree: JsonTree): unknown => JSON.parse(toJsonText(tree));

const objectOf = (entries: readonly (readonly [string, JsonTree])[]): JsonObject => ({ entries });

export { isJsonObject, objectOf, toEvent, toJsonText };
export type { JsonObject, JsonTree };
