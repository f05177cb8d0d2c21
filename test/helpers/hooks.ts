/**
 * A variable that a beforeAll hook assigns, as an afterAll hook has to see it: `undefined` when
 * beforeAll failed before assigning it. Such a variable is declared with its assigned type, since
 * the tests only run once beforeAll succeeded; cleanup reads it through this, so that it stops what
 * was started and nothing else.
 *
 * @example
 * afterAll(async () => {
 *   await ifAssigned(sandbox)?.close();
 * });
 */
const ifAssigned = <T>(value: T): T | undefined => value;

export { ifAssigned };
