import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, parseMarkdown } from './support/citations.js';

const README = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
const lines = README.replace(/\n$/, '').split('\n');

describe('README.md', () => {
  it('stays within 200 lines', () => {
    // Assess
    expect(lines.length).toBeLessThanOrEqual(200);
  });

  it('starts with the two commands', () => {
    // Prepare
    const firstBlock = lines.slice(lines.indexOf('```sh') + 1, lines.indexOf('```', lines.indexOf('```sh') + 1));

    // Assess
    expect(lines[0]).toBe('# cancel-bill');
    expect(lines.slice(1).find((line) => line.trim() !== '')).toBe('```sh');
    expect(firstBlock.map((line) => line.replace(/\s+#.*$/, ''))).toEqual(['npm ci && npm run demo', 'npm ci && npm test']);
  });

  it('keeps its sections in the order a user needs them', () => {
    // Act
    const sections = parseMarkdown('README.md', README).headings.filter((h) => h.level === 2).map((h) => h.text);

    // Assess
    expect(sections).toEqual(['What it is', 'Deploy', 'Calling it', 'Errors', 'Operating it', 'Developing and testing']);
  });

  it('covers each caller', () => {
    // Assess
    for (const caller of ['**API Gateway.**', 'REST API', 'HTTP API', '**Step Functions.**', '**EventBridge.**', '**Direct invoke.**']) {
      expect(README).toContain(caller);
    }
  });

  it('holds no dated measurement and no issue number', () => {
    // Assess
    expect(README).not.toMatch(/\b20\d\d-\d\d-\d\d\b/);
    expect(README).not.toMatch(/\bissue\s*#?\d+|(^|\s)#\d+\b/im);
  });
});
