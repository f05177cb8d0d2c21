import { expect } from 'vitest';

const ownKeys = (target: object): string[] => Reflect.ownKeys(target).map(String).sort();

/** Remembers the built-in prototypes' keys so a run that adds one (prototype pollution) is caught. */
const snapshotPrototypes = () => {
  const before = { object: ownKeys(Object.prototype), array: ownKeys(Array.prototype), function: ownKeys(Function.prototype) };
  return {
    /** Asserts nothing was added to (or removed from) the built-in prototypes, and `({}).polluted` is still undefined. */
    expectUnchanged: (): void => {
      expect((({}) as Record<string, unknown>).polluted).toBeUndefined();
      expect(ownKeys(Object.prototype)).toEqual(before.object);
      expect(ownKeys(Array.prototype)).toEqual(before.array);
      expect(ownKeys(Function.prototype)).toEqual(before.function);
    },
  };
};

/** Lets Node report any rejection left unhandled by the run that just ended (it does so after the microtask queue drains). */
const settleProcess = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Records every `unhandledRejection` the process reports until `stop()`. */
const watchUnhandledRejections = () => {
  const seen: unknown[] = [];
  const listener = (reason: unknown): void => {
    seen.push(reason);
  };
  process.on('unhandledRejection', listener);
  return { seen, stop: (): void => void process.off('unhandledRejection', listener) };
};

export { settleProcess, snapshotPrototypes, watchUnhandledRejections };
