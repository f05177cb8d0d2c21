import type { ObjectStore, ReadResult } from '../../lib/batch/store.js';

/** An in-memory ObjectStore for unit tests of the batch steps, with what was read and written. */
type MemoryStore = ObjectStore & {
  objects: Map<string, Uint8Array>;
  text(key: string): string | undefined;
  reads: string[];
  writes: { key: string; contentType: string }[];
};

const createMemoryStore = (bucket = 'batch-bucket', objects: Record<string, string> = {}): MemoryStore => {
  const stored = new Map<string, Uint8Array>(Object.entries(objects).map(([key, body]) => [key, new TextEncoder().encode(body)]));
  const reads: string[] = [];
  const writes: { key: string; contentType: string }[] = [];
  return {
    bucket,
    objects: stored,
    reads,
    writes,
    text: (key) => {
      const body = stored.get(key);
      return body === undefined ? undefined : new TextDecoder('utf-8', { ignoreBOM: true }).decode(body);
    },
    get: async (key, maxBytes): Promise<ReadResult> => {
      reads.push(key);
      const body = stored.get(key);
      if (body === undefined) return { kind: 'missing' };
      if (body.length > maxBytes) return { kind: 'tooLarge', bytes: body.length };
      return { kind: 'ok', body };
    },
    put: async (key, body, contentType) => {
      writes.push({ key, contentType });
      stored.set(key, new TextEncoder().encode(body));
    },
  };
};

export { createMemoryStore };
export type { MemoryStore };
