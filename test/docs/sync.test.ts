import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COPIED_DOCS, DEFAULT_SHARED_DIR, REPO_ROOT, renderDocs } from '../../scripts/sync-docs.js';

/** The shared originals sit beside the checkout on developers' machines and in CI; a bare clone has none. */
const sharedPresent = existsSync(DEFAULT_SHARED_DIR);
const SKIP_REASON = `no shared folder at ${DEFAULT_SHARED_DIR}: the copies in docs/ cannot be compared with their originals`;
if (!sharedPresent) console.warn(`docs/sync: skipped, ${SKIP_REASON}`);

describe('docs/sync', () => {
  it.each(COPIED_DOCS.map((doc) => ({ target: doc.target })))('keeps $target in the repository', ({ target }) => {
    // Assess
    expect(existsSync(join(REPO_ROOT, target))).toBe(true);
  });

  if (sharedPresent) {
    it.each(COPIED_DOCS.map((doc) => ({ source: doc.source, target: doc.target })))(
      'keeps $target equal to the shared $source as `npm run docs:sync` writes it',
      ({ target }) => {
        // Prepare
        const expected = renderDocs(DEFAULT_SHARED_DIR);

        // Act
        const actual = readFileSync(join(REPO_ROOT, target), 'utf8');

        // Assess
        expect(actual, `${target} differs from its original: run npm run docs:sync`).toBe(expected.get(target));
      },
    );
  } else {
    // Nothing to compare against: the skipped test names the reason in the report.
    it.skip(`compares docs/ with the shared originals (skipped: ${SKIP_REASON})`, () => undefined);
  }

  it('changes only links in the copies', () => {
    // Prepare
    const linkOnly = COPIED_DOCS.flatMap((doc) => doc.rewrites).filter(({ from, to }) => {
      const withoutLinks = to.replace(/\[([^\]]*)\]\([^)]*\)/g, '$1');
      return withoutLinks !== from;
    });

    // Assess
    expect(linkOnly).toEqual([]);
  });
});
