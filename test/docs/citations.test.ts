import { describe, expect, it } from 'vitest';
import { REPO_ROOT, collectSources, createChecker, loadDocs, parseMarkdown, slugOf } from './support/citations.js';
import type { CitationKind, Problem, Source } from './support/citations.js';

/** This file plants bad citations on purpose (below), so the repository scan leaves it out. */
const THIS_FILE = 'test/docs/citations.test.ts';

/**
 * Citations in lib/ and functions/ that do not resolve yet. That code is being reworked
 * elsewhere: its comments are fixed there, not here. Only lib/ and functions/ may appear.
 */
const PENDING_IN_CODE: readonly { file: string; citation: string; note: string }[] = [];

const sources = collectSources(REPO_ROOT).filter((source) => source.path !== THIS_FILE);
const docs = loadDocs(sources);

const format = (problems: readonly Problem[]): string =>
  problems.map((p) => `${p.file}:${p.line} ${JSON.stringify(p.citation)}: ${p.reason}`).join('\n');

const isPending = (problem: Problem): boolean =>
  PENDING_IN_CODE.some((pending) => pending.file === problem.file && pending.citation === problem.citation);

describe('docs/citations', () => {
  describe('the repository', () => {
    const checker = createChecker(docs, REPO_ROOT);
    const problems = sources.flatMap((source) => checker.check(source));

    it('resolves every citation in the code, infra/, the tests, the README and docs/', () => {
      // Prepare
      const pending = problems.filter(isPending);
      if (pending.length > 0) console.info(`citations pending in lib/ or functions/:\n${format(pending)}`);

      // Act
      const unresolved = problems.filter((problem) => !isPending(problem));

      // Assess
      expect(format(unresolved)).toBe('');
    });

    it('lists only lib/ and functions/ citations as pending', () => {
      // Assess
      expect(PENDING_IN_CODE.filter((p) => !/^(lib|functions)\//.test(p.file))).toEqual([]);
    });

    it.each<{ kind: CitationKind }>([
      { kind: 'section' },
      { kind: 'title' },
      { kind: 'source' },
      { kind: 'link' },
      { kind: 'docName' },
    ])('finds $kind citations to check', ({ kind }) => {
      // Assess
      expect(checker.counts()[kind]).toBeGreaterThan(5);
    });

    it('holds the three copied documents and the docs index', () => {
      // Assess
      expect([...docs.keys()]).toEqual(
        expect.arrayContaining(['README.md', 'docs/README.md', 'docs/CONTRACT.md', 'docs/STYLE.md', 'docs/spec/wechatpay-v2-cancelbill.md']),
      );
    });
  });

  describe('the checker', () => {
    const checker = createChecker(docs, REPO_ROOT);
    const code = (text: string): Source => ({ path: 'lib/example.ts', text });
    const markdown = (text: string): Source => ({ path: 'docs/example.md', text });

    it.each<{ name: string; source: Source; reason: RegExp }>([
      { name: 'a spec section that does not exist', source: code('// spec §14: nothing here'), reason: /has no section 14/ },
      { name: 'a step the section does not have', source: code('// spec §8 step 9'), reason: /§8 has no step 9/ },
      { name: 'a step range past the end', source: code('// spec §7 steps 6–8'), reason: /§7 has no step 8/ },
      { name: 'a STYLE section that does not exist', source: code('/** (STYLE §12) */'), reason: /STYLE\.md has no section 12/ },
      { name: 'a STYLE.md section that does not exist', source: code('// STYLE.md §3.2'), reason: /has no section 3\.2/ },
      { name: 'a bad section later in a list', source: code('/** (spec §2, §15). */'), reason: /has no section 15/ },
      { name: 'a bare section the spec lacks', source: code('  // §21: no such section'), reason: /has no section 21/ },
      { name: 'a contract title that does not exist', source: code('/** CONTRACT.md ("The response") */'), reason: /no section titled "The response"/ },
      { name: 'a quoted contract title without brackets', source: code('(see CONTRACT.md "Envelopes")'), reason: /no section titled "Envelopes"/ },
      { name: 'a README section that does not exist', source: code('# Measured (README, "Performance")'), reason: /README\.md has no section titled "Performance"/ },
      { name: 'a source id the spec does not list', source: code('/** (SDK S3: 3 min) */'), reason: /no S3/ },
      { name: 'a bracketed source id', source: code('// [OBS S99]'), reason: /no S99/ },
      { name: 'a source later in a list', source: code('// OBS S19, S28'), reason: /no S28/ },
      { name: 'a document the repository lacks', source: code(' * the AWS JSON protocol (TOOLING.md)'), reason: /TOOLING\.md is not a document/ },
      { name: 'a docs/ file that does not exist', source: code('// see docs/runbook.md'), reason: /docs\/runbook\.md does not exist/ },
      { name: 'a docs/ anchor that does not exist', source: code('// docs/operations.md#dashboards'), reason: /no heading with the anchor #dashboards/ },
      { name: 'a titled docs/ section that does not exist', source: code('// docs/performance.md, "Lambda size"'), reason: /no section titled "Lambda size"/ },
      { name: 'a plain section citation in a document', source: markdown('Signs it (spec §7).'), reason: /cite a section as a link/ },
      { name: 'a plain bare section in a document', source: markdown('As §8 says.'), reason: /cite a section as a link/ },
      {
        name: 'a link that names one section and points at another',
        source: markdown('[spec §8](spec/wechatpay-v2-cancelbill.md#7-signing-algorithm-request)'),
        reason: /does not point at the section it names: expected docs\/spec\/wechatpay-v2-cancelbill\.md#8-response-verification/,
      },
      { name: 'a link into the wrong document', source: markdown('[spec §8](STYLE.md#8-tests-vitest)'), reason: /does not point at the section it names/ },
      { name: 'a link to a section that does not exist', source: markdown('[STYLE §13](STYLE.md#13-more)'), reason: /no heading with the anchor #13-more/ },
      { name: 'a link to a missing file', source: markdown('[runbook](runbook.md)'), reason: /docs\/runbook\.md does not exist/ },
      { name: 'a link to a missing anchor', source: markdown('[alarms](operations.md#alarm)'), reason: /no heading with the anchor #alarm/ },
      { name: 'a link to a missing anchor in the same file', source: markdown('# Title\n[up](#titel)'), reason: /no heading with the anchor #titel/ },
      { name: 'a bad source id in a link text', source: markdown('[`SDK S3`](spec/wechatpay-v2-cancelbill.md#13-sources)'), reason: /no S3/ },
    ])('reports $name', ({ source, reason }) => {
      // Act
      const problems = checker.check(source);

      // Assess
      expect(problems.map((p) => p.reason)).toContainEqual(expect.stringMatching(reason));
    });

    it.each<{ name: string; source: Source }>([
      { name: 'spec sections, steps and step ranges', source: code('// spec §8 step 3; spec §7 steps 2–4; spec §7 steps 5-6; Spec §1.1') },
      { name: 'lists of sections', source: code('/** (spec §2, §5) and (§6, §12) */') },
      { name: 'STYLE sections', source: code('// STYLE §6, STYLE.md §4, STYLE §0') },
      { name: 'contract titles, with or without a qualifier', source: code('// CONTRACT.md ("The secret"); CONTRACT.md "Errors"; CONTRACT.md ("Configuration")') },
      { name: 'sources of the spec', source: code('// SDK S17: 3 min; (OBS S19); (S25 generic); [OFF S10; SDK S5]') },
      { name: "another standard's sections", source: code('/** Canonical base64 (RFC 4648 §4, §5). */') },
      { name: 'the XML 1.0 standard\'s sections', source: code('/** Character references (XML 1.0 §4.1). Named ones are undeclared, an error in XML 1.0 (§4.1 WFC). */') },
      { name: 'docs/ paths, anchors and titles', source: code('// docs/operations.md#alarms, docs/performance.md, "Lambda memory size"') },
      { name: 'section links in a document', source: markdown('[spec §8](spec/wechatpay-v2-cancelbill.md#8-response-verification), [STYLE §4](STYLE.md#4-errors-names-are-the-step-functions-contract)') },
      { name: 'links to files, folders and anchors', source: markdown('[deploy](deploy.md#2-build-and-deploy), [infra](../infra/), [home](../README.md#errors)') },
      { name: 'short forms quoted as code in a document', source: markdown('The code writes `spec §8` and `CONTRACT.md ("Title")`.') },
      { name: 'external links', source: markdown('[osls](https://github.com/oss-serverless/osls#readme)') },
    ])('accepts $name', ({ source }) => {
      // Assess
      expect(format(checker.check(source))).toBe('');
    });
  });

  describe('slugOf', () => {
    it.each([
      { heading: '8. Response verification', slug: '8-response-verification' },
      { heading: '4. Errors (names are the Step Functions contract)', slug: '4-errors-names-are-the-step-functions-contract' },
      { heading: '1.1 The rental family, and its order states', slug: '11-the-rental-family-and-its-order-states' },
      { heading: "The function's own AWS credentials", slug: 'the-functions-own-aws-credentials' },
      { heading: 'WeChat Pay APIv2 · PayScore rental · Cancel rental order (wxv/cancelbill)', slug: 'wechat-pay-apiv2--payscore-rental--cancel-rental-order-wxvcancelbill' },
      { heading: '11. Examples to follow (read the file, copy the idea — not the code)', slug: '11-examples-to-follow-read-the-file-copy-the-idea--not-the-code' },
      { heading: 'snake_case stays', slug: 'snake_case-stays' },
    ])('turns "$heading" into #$slug', ({ heading, slug }) => {
      // Assess
      expect(slugOf(heading)).toBe(slug);
    });

    it('numbers repeated headings as GitHub does', () => {
      // Act
      const doc = parseMarkdown('x.md', '# A\n## Notes\n## Notes\n```\n## not a heading\n```\n## `Notes`');

      // Assess
      expect(doc.headings.map((h) => h.slug)).toEqual(['a', 'notes', 'notes-1', 'notes-2']);
    });
  });
});
