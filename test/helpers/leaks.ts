import { expect } from 'vitest';
import type { Sandbox } from '../sandbox/index.js';
import { signFields } from '../sandbox/wechatpay-protocol.js';

/** Consecutive characters of a signature that count as a leak of it. */
const SIGN_FRAGMENT_CHARS = 16;
/** Length of the PFX (base64) slices searched for, and the step between them. */
const PFX_SLICE_CHARS = 48;
const PFX_SLICE_STEP = 256;

type Needle = { name: string; needle: string };

const pfxSlices = (der: Buffer): Needle[] => {
  const base64 = der.toString('base64');
  const slices: Needle[] = [];
  for (let start = 0; start + PFX_SLICE_CHARS <= base64.length; start += PFX_SLICE_STEP) {
    slices.push({ name: 'pfx', needle: base64.slice(start, start + PFX_SLICE_CHARS) });
  }
  return slices;
};

/**
 * Secret material of the sandbox merchant as strings that must never appear in logs, errors or
 * responses: the API key(s), every private key line, and slices of every PKCS#12.
 */
const secretNeedles = (sandbox: Sandbox, apiKeys: readonly string[] = [sandbox.apiKey]): Needle[] => {
  const identities = Object.values(sandbox.certs.clients);
  const pemBodies = identities.flatMap((identity) =>
    identity.keyPem
      .split('\n')
      .filter((line) => line.length >= 40 && !line.startsWith('-----'))
      .map((line) => ({ name: 'private key line', needle: line })),
  );
  const pfxFiles = [...identities.map((identity) => identity.pfx), sandbox.certs.legacyPfx];
  const pfx = pfxFiles.flatMap((file) => (file === undefined ? [] : pfxSlices(file.der)));
  const keys = [...new Set([sandbox.apiKey, ...apiKeys])].map((key) => ({ name: 'api key', needle: key }));
  return [...keys, ...pemBodies, ...pfx];
};

/** The `sign` of every request the sandbox servers recorded, recomputed under each of `apiKeys`. */
const requestSigns = (sandbox: Sandbox, apiKeys: readonly string[] = [sandbox.apiKey]): string[] => {
  const records = [...sandbox.primary.stats.requests, ...sandbox.backup.stats.requests];
  return records.flatMap((record) => apiKeys.map((key) => signFields(record.fields, key)));
};

/**
 * Fails when `text` holds 16 or more consecutive characters of any of `signs` (in either case).
 * The failure names offsets only, so it never prints a signature itself.
 */
const assertNoSignFragments = (text: string, signs: readonly string[]): void => {
  const windows = new Set<string>();
  for (const sign of signs) {
    const upper = sign.toUpperCase();
    for (let start = 0; start + SIGN_FRAGMENT_CHARS <= upper.length; start += 1) windows.add(upper.slice(start, start + SIGN_FRAGMENT_CHARS));
  }
  const offsets: number[] = [];
  for (const match of text.matchAll(new RegExp(`[0-9A-Fa-f]{${SIGN_FRAGMENT_CHARS},}`, 'g'))) {
    const run = match[0].toUpperCase();
    for (let start = 0; start + SIGN_FRAGMENT_CHARS <= run.length; start += 1) {
      if (windows.has(run.slice(start, start + SIGN_FRAGMENT_CHARS))) {
        offsets.push(match.index);
        break;
      }
    }
  }
  expect(offsets, 'signature fragments at these offsets').toEqual([]);
};

/**
 * Fails when `text` holds the API key, private key or PFX material, a PEM block, a signature
 * (64 hex characters, or a fragment of any request the sandbox signed-checked) or an XML body.
 */
const assertNoSecrets = (text: string, sandbox: Sandbox, extraNeedles: string[] = []): void => {
  const hits = [...secretNeedles(sandbox), ...extraNeedles.map((needle) => ({ name: 'extra', needle }))]
    .filter(({ needle }) => needle !== '' && text.includes(needle))
    .map(({ name }) => name);
  expect(hits).toEqual([]);
  // Offsets, not the text: a failure must not print what it found.
  expect(text.search(/-----BEGIN [A-Z ]*(PRIVATE KEY|CERTIFICATE)-----/), 'offset of a PEM block').toBe(-1);
  expect(text.search(/\b[0-9A-Fa-f]{64}\b/), 'offset of a 64-hex signature').toBe(-1);
  expect(text.search(/<xml>|<!\[CDATA\[/), 'offset of an XML body').toBe(-1);
  assertNoSignFragments(text, requestSigns(sandbox));
};

/**
 * `assertNoSecrets` for a run that rotated the API key: also searches for the former keys, the
 * request signatures under every key, and `signs` the caller collected (reply signatures).
 */
const assertNoLeaks = (text: string, sandbox: Sandbox, options: { apiKeys?: readonly string[]; signs?: readonly string[] } = {}): void => {
  const apiKeys = [...new Set([sandbox.apiKey, ...(options.apiKeys ?? [])])];
  assertNoSecrets(text, sandbox, apiKeys);
  assertNoSignFragments(text, [...requestSigns(sandbox, apiKeys), ...(options.signs ?? [])]);
};

export { assertNoSecrets, assertNoLeaks, assertNoSignFragments, requestSigns, secretNeedles };
