/**
 * Finds the citations in the code and the documents and checks each against docs/. The forms, and
 * the document each short form names, are listed in docs/README.md ("Citations"):
 * - sections: `spec §8`, `spec §7 step 2`, `spec §7 steps 2–4`, `(spec §2, §5)`, `STYLE §6`,
 *   `STYLE.md §4`, and a bare `§6` (in code: the spec; in a copied document: that document);
 * - titled sections: `CONTRACT.md ("The result")`, `CONTRACT.md "Errors"`, `README, "Errors"`;
 * - sources of the spec's list (§13): `SDK S17`, `OBS S19`, `[OFF S10; SDK S5]`, `(S25 ...)`;
 * - document names (`CONTRACT.md`, `docs/operations.md`) and markdown links with `#anchors`.
 * In the README and the documents written for docs/, a section citation must be a link
 * (`[spec §8](docs/spec/wechatpay-v2-cancelbill.md#8-response-verification)`) to that section.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, extname, join, posix, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A heading of a markdown document. */
type Heading = Readonly<{ level: number; text: string; slug: string; number: string | undefined; line: number }>;

/** A markdown document as the checks need it. */
type MarkdownDoc = Readonly<{ path: string; lines: readonly string[]; headings: readonly Heading[] }>;

/** One citation that does not resolve. */
type Problem = Readonly<{ file: string; line: number; citation: string; reason: string }>;

/** The kinds of citation the checker resolves; it counts how many of each it saw. */
type CitationKind = 'section' | 'title' | 'source' | 'link' | 'docName';

/** A file to check: its repository path and its text. */
type Source = Readonly<{ path: string; text: string }>;

/** The documents a short form names, by repository path. */
const SHORT_FORMS: Readonly<Record<string, string>> = {
  spec: 'docs/spec/wechatpay-v2-cancelbill.md',
  STYLE: 'docs/STYLE.md',
  CONTRACT: 'docs/CONTRACT.md',
  README: 'README.md',
};
const SPEC = SHORT_FORMS.spec as string;
/** The copies of the shared originals: a bare `§N` in one of them means its own section N. */
const COPIED = new Set(['docs/CONTRACT.md', 'docs/STYLE.md', SPEC]);
/** Documents named by file name alone (`CONTRACT.md`), wherever they live in the repository. */
const NAMED_DOCS: Readonly<Record<string, string>> = {
  'CONTRACT.md': 'docs/CONTRACT.md',
  'STYLE.md': 'docs/STYLE.md',
  'README.md': 'README.md',
};

const SCANNED_ROOTS = ['lib', 'functions', 'scripts', 'infra', 'test', 'docs', '.ci', 'README.md', 'serverless.yml', 'package.json'];
const SCANNED_EXTENSIONS = new Set(['.ts', '.mjs', '.js', '.md', '.yml', '.yaml', '.sh', '.json', '']);
const SKIPPED_DIRS = new Set(['node_modules', 'dist', '.serverless', '.tmp', 'coverage']);

/** GitHub's heading anchors: lower case, punctuation and symbols dropped, spaces to hyphens. */
const slugOf = (heading: string): string =>
  heading
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, '')
    .replace(/ /g, '-');

/** The text GitHub shows for a heading's markdown: code spans, links and emphasis unwrapped, tags dropped. */
const headingText = (markdown: string): string =>
  markdown
    .replace(/<[^>]+>/g, '')
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/`([^`]*)`/g, '$1')
    .replace(/\*\*|__|\*/g, '')
    .trim();

/** Lines with fenced code blocks blanked (positions kept): no headings or links live there. */
const withoutCodeBlocks = (lines: readonly string[]): string[] => {
  let fenced = false;
  return lines.map((line) => {
    if (/^\s*(```|~~~)/.test(line)) {
      fenced = !fenced;
      return ' '.repeat(line.length);
    }
    return fenced ? ' '.repeat(line.length) : line;
  });
};

/** Parses a markdown document's headings, with GitHub's de-duplicated anchors. */
const parseMarkdown = (path: string, text: string): MarkdownDoc => {
  const lines = text.split('\n');
  const seen = new Map<string, number>();
  const headings: Heading[] = [];
  withoutCodeBlocks(lines).forEach((line, index) => {
    const match = /^(#{1,6})\s+(.*?)\s*#*\s*$/.exec(line);
    if (match === null) return;
    const text = headingText(match[2] ?? '');
    const base = slugOf(text);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    const number = /^(\d+(?:\.\d+)*)\.?\s/.exec(text)?.[1];
    headings.push({ level: (match[1] ?? '#').length, text, slug: count === 0 ? base : `${base}-${count}`, number, line: index + 1 });
  });
  return { path, lines, headings };
};

/** The numbered steps (`1. ...` at the start of a line) of a section, up to the next heading of its level or above. */
const stepsOf = (doc: MarkdownDoc, heading: Heading): Set<number> => {
  const next = doc.headings.find((h) => h.line > heading.line && h.level <= heading.level);
  const body = doc.lines.slice(heading.line, next === undefined ? doc.lines.length : next.line - 1);
  return new Set(body.flatMap((line) => /^(\d+)\.\s/.exec(line)?.[1] ?? []).map(Number));
};

/** The source ids of the spec's list (§13, rows `| S17 | ...`). */
const sourceIdsOf = (spec: MarkdownDoc): Set<string> =>
  new Set(spec.lines.flatMap((line) => /^\|\s*(S\d+)\s*\|/.exec(line)?.[1] ?? []));

/** Every scanned file of the repository, with repository paths. */
const collectSources = (repoRoot: string): Source[] => {
  const sources: Source[] = [];
  const visit = (path: string): void => {
    const full = join(repoRoot, path);
    if (!existsSync(full)) return;
    if (statSync(full).isDirectory()) {
      for (const entry of readdirSync(full).sort()) {
        if (!SKIPPED_DIRS.has(entry)) visit(posix.join(path, entry));
      }
      return;
    }
    if (SCANNED_EXTENSIONS.has(extname(path))) sources.push({ path, text: readFileSync(full, 'utf8') });
  };
  for (const root of SCANNED_ROOTS) visit(root);
  return sources;
};

const lineAt = (text: string, index: number): number => text.slice(0, index).split('\n').length;

/** Creates the checker over the repository's documents. */
const createChecker = (docs: ReadonlyMap<string, MarkdownDoc>, repoRoot: string) => {
  const spec = docs.get(SPEC);
  const sourceIds = spec === undefined ? new Set<string>() : sourceIdsOf(spec);
  const seen: Record<CitationKind, number> = { section: 0, title: 0, source: 0, link: 0, docName: 0 };

  /** Why section `number` (and its steps) of `docPath` does not resolve; undefined when it does. */
  const sectionProblem = (docPath: string, number: string, steps: readonly number[]): string | undefined => {
    const doc = docs.get(docPath);
    if (doc === undefined) return `${docPath} is not in the repository`;
    const heading = doc.headings.find((h) => h.number === number);
    if (heading === undefined) return `${docPath} has no section ${number}`;
    const known = stepsOf(doc, heading);
    const missing = steps.filter((step) => !known.has(step));
    return missing.length === 0 ? undefined : `${docPath} §${number} has no step ${missing.join(', ')}`;
  };

  /** The heading of `docPath` titled `title` (exactly, or followed by a parenthesised qualifier). */
  const titledHeading = (docPath: string, title: string): Heading | undefined =>
    docs.get(docPath)?.headings.find((h) => h.text === title || h.text.startsWith(`${title} (`));

  /**
   * Section citations (`spec §8 step 3`, `STYLE §4`, `§2, §5`). `fallback` is the document a bare
   * `§N` names; undefined where every section citation must be a link (then any left is a problem).
   */
  const checkSections = (source: Source, text: string, fallback: string | undefined, problems: Problem[]): void => {
    const pattern = /(?:\b(spec|Spec|STYLE|CONTRACT)(?:\.md)?\s+)?§\s?(\d+(?:\.\d+)*)(?:\s+steps?\s+(\d+)(?:\s*[–-]\s*(\d+))?)?/g;
    let previousEnd = -1;
    /** The document of the citation before, for lists (`§2, §5`); null after another standard's section. */
    let previousDoc: string | null | undefined;
    for (const match of text.matchAll(pattern)) {
      const start = match.index;
      const named = match[1] === undefined ? undefined : SHORT_FORMS[match[1] === 'Spec' ? 'spec' : match[1]];
      const chained = previousEnd >= 0 && /^\s*(,|and|&)\s*$/.test(text.slice(previousEnd, start));
      previousEnd = start + match[0].length;
      // Another standard's sections (RFC 4648 §4, XML 1.0 §4.1) are not ours to check.
      const external =
        named === undefined && (chained ? previousDoc === null : /(?:RFC\s*\d+|XML\s*1\.[01])[^§]{0,50}$/.test(text.slice(Math.max(0, start - 64), start)));
      const doc = external ? null : (named ?? (chained ? previousDoc : undefined) ?? fallback);
      previousDoc = doc;
      if (doc === null) continue;
      seen.section += 1;
      const citation = match[0];
      const line = lineAt(text, start);
      if (fallback === undefined || doc === undefined) {
        problems.push({ file: source.path, line, citation, reason: 'cite a section as a link to it ([spec §8](...#8-...))' });
        continue;
      }
      const from = Number(match[3] ?? Number.NaN);
      const to = Number(match[4] ?? match[3] ?? Number.NaN);
      const steps = Number.isNaN(from) ? [] : Array.from({ length: Math.max(0, to - from) + 1 }, (_, i) => from + i);
      const reason = sectionProblem(doc, match[2] ?? '', steps);
      if (reason !== undefined) problems.push({ file: source.path, line, citation, reason });
    }
  };

  /** `CONTRACT.md ("The result")`, `CONTRACT.md "Errors"`, `README, "Errors"`, `docs/operations.md ("Alarms")`. */
  const checkTitles = (source: Source, text: string, problems: Problem[]): void => {
    const pattern = /\b(CONTRACT|STYLE|README|docs\/[\w./-]+?\.md)(?:\.md)?(?:'s)?,?\s*\(?\s*"([^"\n]+)"/g;
    for (const match of text.matchAll(pattern)) {
      const name = match[1] ?? '';
      const docPath = name.startsWith('docs/') ? name : (SHORT_FORMS[name] ?? name);
      const title = match[2] ?? '';
      seen.title += 1;
      if (titledHeading(docPath, title) === undefined) {
        problems.push({
          file: source.path,
          line: lineAt(source.text, match.index),
          citation: match[0],
          reason: docs.has(docPath) ? `${docPath} has no section titled "${title}"` : `${docPath} is not in the repository`,
        });
      }
    }
  };

  /** Source ids after a tag or an opening bracket: `SDK S17`, `OBS S19, S21`, `[S23 ...`, `(S25 ...`. */
  const checkSourceIds = (source: Source, text: string, problems: Problem[]): void => {
    const tag = '(?:OFF(?:-org)?|MIRROR|SDK|OBS|INF)';
    const pattern = new RegExp(`(?:\\b${tag}\\s+|[[(])S\\d+\\b(?:(?:,\\s*|\\s+and\\s+|;\\s*${tag}?\\s*)S\\d+\\b)*`, 'g');
    for (const match of text.matchAll(pattern)) {
      for (const id of match[0].match(/S\d+/g) ?? []) {
        seen.source += 1;
        if (!sourceIds.has(id)) {
          problems.push({ file: source.path, line: lineAt(source.text, match.index), citation: match[0], reason: `the spec's sources (§13) have no ${id}` });
        }
      }
    }
  };

  /** Document names (`STYLE.md`) and docs/ paths (`docs/operations.md#alarms`) named in the text. */
  const checkDocNames = (source: Source, text: string, problems: Problem[]): void => {
    for (const match of text.matchAll(/(?<![\w/.-])([A-Z][A-Z_]+\.md)\b/g)) {
      const name = match[1] ?? '';
      seen.docName += 1;
      if (NAMED_DOCS[name] === undefined || !existsSync(join(repoRoot, NAMED_DOCS[name]))) {
        problems.push({ file: source.path, line: lineAt(source.text, match.index), citation: name, reason: `${name} is not a document of this repository` });
      }
    }
    for (const match of text.matchAll(/(?<![\w/.-])(docs\/(?:[\w.-]+\/)*[\w.-]+\.md)(?:#([\w-]+))?/g)) {
      const [citation, path = '', anchor] = match;
      seen.docName += 1;
      const reason = targetProblem(path, anchor);
      if (reason !== undefined) problems.push({ file: source.path, line: lineAt(source.text, match.index), citation, reason });
    }
  };

  /** Why a repository path (and anchor) does not resolve; undefined when it does. */
  const targetProblem = (path: string, anchor: string | undefined): string | undefined => {
    const clean = path.replace(/\/$/, '');
    if (!existsSync(join(repoRoot, clean))) return `${clean} does not exist`;
    if (anchor === undefined || anchor === '') return undefined;
    const doc = docs.get(clean);
    if (doc === undefined) return `${clean} is not a markdown document, so #${anchor} cannot resolve`;
    return anchorProblem(doc, anchor);
  };

  /** Why `anchor` is not a heading of `doc`; undefined when it is (or when there is none). */
  const anchorProblem = (doc: MarkdownDoc, anchor: string | undefined): string | undefined =>
    anchor === undefined || anchor === '' || doc.headings.some((h) => h.slug === anchor)
      ? undefined
      : `${doc.path} has no heading with the anchor #${anchor}`;

  /**
   * Markdown links: the target exists, its anchor is a heading, and a link whose text cites a
   * section (`[spec §8](...)`) points at that very section. Returns the text with links and code
   * spans blanked (what is left must not cite by short form), and the link texts alone.
   */
  const checkLinks = (source: Source, problems: Problem[]): { rest: string; labels: string } => {
    const lines = withoutCodeBlocks(source.text.split('\n'));
    const text = lines.join('\n');
    let blanked = source.text;
    let labels = source.text.replace(/[^\n]/g, ' ');
    const self = (): MarkdownDoc => docs.get(source.path) ?? parseMarkdown(source.path, source.text);
    for (const match of text.matchAll(/!?\[((?:[^\][]|\[[^\]]*\])*)\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
      const [whole, label = '', target = ''] = match;
      const line = lineAt(text, match.index);
      seen.link += 1;
      blanked = blanked.slice(0, match.index) + ' '.repeat(whole.length) + blanked.slice(match.index + whole.length);
      const labelAt = match.index + whole.indexOf('[') + 1;
      labels = labels.slice(0, labelAt) + label + labels.slice(labelAt + label.length);
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue;
      const [pathPart = '', anchor] = target.split('#');
      const path = pathPart === '' ? source.path : posix.normalize(posix.join(posix.dirname(source.path), decodeURI(pathPart)));
      const reason = pathPart === '' ? anchorProblem(self(), anchor) : targetProblem(path, anchor);
      if (reason !== undefined) {
        problems.push({ file: source.path, line, citation: whole, reason });
        continue;
      }
      // A link citing a section must point at it: the short form's document and that section's anchor.
      for (const cited of label.matchAll(/(?:\b(spec|STYLE|CONTRACT)(?:\.md)?\s+)?§\s?(\d+(?:\.\d+)*)/g)) {
        const doc = cited[1] === undefined ? path : SHORT_FORMS[cited[1]];
        const heading = docs.get(doc ?? '')?.headings.find((h) => h.number === cited[2]);
        if (doc !== path || heading === undefined || heading.slug !== anchor) {
          const expected = heading === undefined ? `${doc} has no section ${cited[2]}` : `expected ${doc}#${heading.slug}`;
          problems.push({ file: source.path, line, citation: whole, reason: `the link does not point at the section it names: ${expected}` });
        }
      }
    }
    // Inline code is quoted text (a command, a name, a form): not a citation.
    return { rest: blanked.replace(/`[^`\n]*`/g, (code) => ' '.repeat(code.length)), labels };
  };

  /** Every problem of one file. */
  const check = (source: Source): Problem[] => {
    const problems: Problem[] = [];
    const markdown = source.path.endsWith('.md');
    const copied = COPIED.has(source.path);
    const { rest, labels } = markdown ? checkLinks(source, problems) : { rest: source.text, labels: '' };
    // Code may use the short forms; the README and the documents written here cite by link.
    const fallback = copied ? source.path : markdown ? undefined : SPEC;
    checkSections(source, rest, fallback, problems);
    for (const text of [rest, labels]) {
      checkTitles(source, text, problems);
      checkSourceIds(source, text, problems);
    }
    // The copies name documents of other projects (an SDK's changelog): only what we write is held to it.
    if (!copied) checkDocNames(source, rest, problems);
    return problems;
  };

  /** How many citations of each kind the checks have seen so far. */
  const counts = (): Readonly<Record<CitationKind, number>> => ({ ...seen });

  return { check, counts };
};

/** The repository's markdown documents by path (the README and everything under docs/). */
const loadDocs = (sources: readonly Source[]): Map<string, MarkdownDoc> =>
  new Map(
    sources
      .filter((s) => s.path.endsWith('.md') && (s.path === 'README.md' || s.path.startsWith('docs/')))
      .map((s) => [s.path, parseMarkdown(s.path, s.text)]),
  );

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const toRepoPath = (file: string): string => relative(REPO_ROOT, file).split('\\').join('/');

export { COPIED, REPO_ROOT, SHORT_FORMS, collectSources, createChecker, loadDocs, parseMarkdown, slugOf, toRepoPath };
export type { CitationKind, Heading, MarkdownDoc, Problem, Source };
