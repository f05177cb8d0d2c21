/**
 * Copies the project's three reference documents (the contract, the protocol spec with its source
 * list, and the style guide) from the shared folder beside this checkout into docs/, applying the
 * few rewrites that make their links work inside the repository. The shared originals stay the
 * source: change them there, then run `npm run docs:sync`. test/docs/sync.test.ts fails when a
 * copy differs from what this script would write.
 *
 * Usage: npx tsx scripts/sync-docs.ts [--check] [--shared DIR]
 *   --check   write nothing; exit 1 and name each copy that is out of date
 *   --shared  the shared folder (default: ../shared beside the checkout)
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DEFAULT_SHARED_DIR = resolve(REPO_ROOT, '..', 'shared');

/** One literal rewrite, and how many times its text must occur in the original. */
type Rewrite = Readonly<{ from: string; to: string; count: number }>;

/** One copied document: where it comes from, where it goes, and its rewrites. */
type CopiedDoc = Readonly<{ source: string; target: string; rewrites: readonly Rewrite[] }>;

const STYLE_ERRORS = '../STYLE.md#4-errors-names-are-the-step-functions-contract';
const STYLE_WECHATPAY = '../STYLE.md#7-wechat-pay-v2-mechanics-the-rules-libwechatpay-must-encode';

/**
 * The copies. The spec keeps its place beside the contract (`spec/`), so the contract's own
 * reference to it needs no new path; the rewrites only turn references into links.
 */
const COPIED_DOCS: readonly CopiedDoc[] = [
  {
    source: 'CONTRACT.md',
    target: 'docs/CONTRACT.md',
    rewrites: [
      {
        from: "update this file's users (README, infra/, tests)",
        to: "update this file's users ([README](../README.md), [infra/](../infra/), [tests](../test/))",
        count: 1,
      },
      {
        from: '(see spec/wechatpay-v2-cancelbill.md)',
        to: '(see [spec/wechatpay-v2-cancelbill.md](spec/wechatpay-v2-cancelbill.md))',
        count: 1,
      },
    ],
  },
  {
    source: 'spec/wechatpay-v2-cancelbill.md',
    target: 'docs/spec/wechatpay-v2-cancelbill.md',
    rewrites: [
      { from: '(STYLE §4)', to: `([STYLE §4](${STYLE_ERRORS}))`, count: 2 },
      { from: 'a literal reading of STYLE §7,', to: `a literal reading of [STYLE §7](${STYLE_WECHATPAY}),`, count: 1 },
    ],
  },
  {
    source: 'STYLE.md',
    target: 'docs/STYLE.md',
    rewrites: [
      {
        from: 'Then follow spec §8:',
        to: 'Then follow [spec §8](spec/wechatpay-v2-cancelbill.md#8-response-verification):',
        count: 1,
      },
    ],
  },
];

/** The first line of every copy: where it comes from and how to change it. */
const header = (doc: CopiedDoc): string =>
  `<!-- Copy of the project's shared ${doc.source}, written by scripts/sync-docs.ts with links made to work in ` +
  'this repository. Change the original, then run `npm run docs:sync`. -->\n';

/**
 * Applies a document's rewrites to its original text.
 *
 * @throws {Error} when a rewrite's text does not occur exactly as often as expected (the original changed).
 */
const rewrite = (doc: CopiedDoc, original: string): string => {
  let text = original;
  for (const { from, to, count } of doc.rewrites) {
    const found = text.split(from).length - 1;
    if (found !== count) {
      throw new Error(`${doc.source}: expected ${count} occurrence(s) of ${JSON.stringify(from)}, found ${found}; update scripts/sync-docs.ts`);
    }
    text = text.split(from).join(to);
  }
  return header(doc) + text;
};

/**
 * What docs/ should hold, by repository path, rendered from the originals in `sharedDir`.
 *
 * @throws {Error} when an original is missing or a rewrite no longer applies.
 */
const renderDocs = (sharedDir: string = DEFAULT_SHARED_DIR): Map<string, string> => {
  const rendered = new Map<string, string>();
  for (const doc of COPIED_DOCS) {
    rendered.set(doc.target, rewrite(doc, readFileSync(join(sharedDir, doc.source), 'utf8')));
  }
  return rendered;
};

/** Repository paths whose content differs from `expected` (or that are missing). */
const outdatedCopies = (expected: ReadonlyMap<string, string>, repoRoot: string = REPO_ROOT): string[] =>
  [...expected].filter(([path, text]) => {
    const file = join(repoRoot, path);
    return !existsSync(file) || readFileSync(file, 'utf8') !== text;
  }).map(([path]) => path);

const main = (): void => {
  const { values } = parseArgs({ options: { check: { type: 'boolean' }, shared: { type: 'string' } } });
  const sharedDir = resolve(values.shared ?? DEFAULT_SHARED_DIR);
  if (!existsSync(sharedDir)) {
    console.error(`sync-docs: no shared folder at ${sharedDir} (pass --shared DIR)`);
    process.exit(2);
  }
  const expected = renderDocs(sharedDir);
  const outdated = outdatedCopies(expected);
  if (values.check === true) {
    for (const path of outdated) console.error(`sync-docs: ${path} differs from ${sharedDir}`);
    process.exit(outdated.length === 0 ? 0 : 1);
  }
  for (const path of outdated) {
    const file = join(REPO_ROOT, path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, expected.get(path) ?? '');
    console.log(`sync-docs: wrote ${path}`);
  }
  if (outdated.length === 0) console.log('sync-docs: docs/ is up to date');
};

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) main();

export { COPIED_DOCS, DEFAULT_SHARED_DIR, REPO_ROOT, outdatedCopies, renderDocs };
export type { CopiedDoc, Rewrite };
