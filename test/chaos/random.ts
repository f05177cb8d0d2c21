/**
 * A small seeded PRNG for repeatable chaos: the same seed string always gives the same sequence,
 * on every machine and Node version (Math.random cannot be seeded).
 */

/** A uniform source in [0, 1) plus the two draws the chaos tests need. */
type Random = {
  next(): number;
  /** An integer in [0, n). */
  int(n: number): number;
  /** One row, chosen with probability proportional to its `weight`. */
  weighted<T extends { weight: number }>(rows: readonly T[]): T;
};

/** FNV-1a over the UTF-16 code units of `text`: turns a seed string into 32 bits. */
const hashSeed = (text: string): number => {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
};

/**
 * Creates a mulberry32 generator seeded from `seed`.
 * @throws {RangeError} from `weighted` when the rows are empty or their weights do not sum above 0.
 * @example
 * const random = createRandom('chaos:1');
 * const state = random.weighted([{ value: 'CREATED', weight: 3 }, { value: 'FINISHED', weight: 1 }]).value;
 */
const createRandom = (seed: string): Random => {
  let state = hashSeed(seed);
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  const weighted = <T extends { weight: number }>(rows: readonly T[]): T => {
    const total = rows.reduce((sum, row) => sum + row.weight, 0);
    if (!(total > 0)) throw new RangeError('weighted() needs rows with a positive total weight');
    let point = next() * total;
    for (const row of rows) {
      point -= row.weight;
      if (point < 0) return row;
    }
    return rows[rows.length - 1] as T;
  };
  return { next, int: (n) => Math.floor(next() * n), weighted };
};

export { createRandom, hashSeed };
export type { Random };
