import { expect } from 'vitest';
import type { Sandbox } from '../sandbox/index.js';

/** Secret material of the sandbox merchant as strings that must never appear in logs, errors or responses. */
const secretNeedles = (sandbox: Sandbox): { name: string; needle: string }[] => {
  const pemBodies = Object.values(sandbox.certs.clients).flatMap((identity) =>
    identity.keyPem
      .split('\n')
      .filter((line) => line.length >= 40 && !line.startsWith('-----'))
      .map((line) => ({ name: 'private key line', needle: line })),
  );
  const pfx = Object.values(sandbox.certs.clients).flatMap((identity) =>
    identity.pfx === undefined ? [] : [{ name: 'pfx', needle: identity.pfx.der.toString('base64').slice(0, 48) }],
  );
  return [{ name: 'api key', needle: sandbox.apiKey }, ...pemBodies, ...pfx];
};

/**
 * Fails when `text` holds the API key, private key or PFX material, a PEM block, a signature
 * (64 hex characters) or an XML body.
 */
const assertNoSecrets = (text: string, sandbox: Sandbox, extraNeedles: string[] = []): void => {
  const hits = [...secretNeedles(sandbox), ...extraNeedles.map((needle) => ({ name: 'extra', needle }))]
    .filter(({ needle }) => needle !== '' && text.includes(needle))
    .map(({ name }) => name);
  expect(hits).toEqual([]);
  expect(text).not.toMatch(/-----BEGIN [A-Z ]*(PRIVATE KEY|CERTIFICATE)-----/);
  expect(text).not.toMatch(/\b[0-9A-Fa-f]{64}\b/);
  expect(text).not.toMatch(/<xml>|<!\[CDATA\[/);
};

export { assertNoSecrets, secretNeedles };
