import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { COMMAND_FIELDS, ignoredExtras, validCommand } from './arbitraries/commands.js';
import type { ValidCommand } from './arbitraries/commands.js';
import { encode } from './arbitraries/http-events.js';
import { SIGNED_SUCCESS } from './arbitraries/replies.js';
import { loadEvent } from '../../fixtures/events/index.js';
import { expectContractResult } from './support/contract-outcome.js';
import { API_KEY, CONFIGS, createFuzzHarness, DEFAULT_APPID, DEFAULT_SERVICE_ID, NONCE } from './support/harness.js';
import type { ConfigName } from './support/harness.js';
import { objectOf, toEvent, toJsonText } from './support/json-text.js';
import type { JsonTree } from './support/json-text.js';
import { MCH_ID, ORDER_ID } from './support/scripted-transport.js';
import { expectedSign, parseWireBody, wireProblems } from './support/wire.js';

const NUM_RUNS = 300;
const HANG_LIMIT_MS = 2_000;
const ENVELOPES = ['direct', 'event-bridge', 'api-gateway-v1', 'api-gateway-v2'] as const;

type Case = {
  command: ValidCommand;
  config: ConfigName;
  /** With configured defaults, `service_id` and `appid` may be left out of the request. */
  omit: { service_id: boolean; appid: boolean };
  extras: [string, JsonTree][];
  envelope: (typeof ENVELOPES)[number];
  orderNoIn: 'path' | 'body' | 'both';
  base64: boolean;
};

const validCase: fc.Arbitrary<Case> = fc.record({
  command: validCommand,
  config: fc.constantFrom<ConfigName>('with-defaults', 'without-defaults'),
  omit: fc.record({ service_id: fc.boolean(), appid: fc.boolean() }),
  extras: ignoredExtras,
  envelope: fc.constantFrom(...ENVELOPES),
  orderNoIn: fc.constantFrom('path', 'body', 'both'),
  base64: fc.boolean(),
});

/** The command the function must send: the request's fields, or the configured defaults for the omitted ones. */
const expectedCommand = ({ command, config, omit }: Case): ValidCommand => ({
  ...command,
  ...(config === 'with-defaults' && omit.service_id ? { service_id: DEFAULT_SERVICE_ID } : {}),
  ...(config === 'with-defaults' && omit.appid ? { appid: DEFAULT_APPID } : {}),
});

const toInvocation = (example: Case): unknown => {
  const { command, config, omit, extras, envelope, orderNoIn, base64 } = example;
  const fields = COMMAND_FIELDS.filter((field) => config === 'without-defaults' || !(field === 'service_id' || field === 'appid') || !omit[field]);
  const entries = fields.map((field): [string, JsonTree] => [field, command[field]]);
  if (envelope === 'direct') return toEvent(objectOf([...extras, ...entries]));
  if (envelope === 'event-bridge') {
    return toEvent(objectOf([['detail-type', 'RentalOrderCancelRequested'], ['source', 'com.example.rentals'], ['detail', objectOf([...entries, ...extras])]]));
  }
  const bodyEntries = orderNoIn === 'path' ? entries.filter(([name]) => name !== 'out_order_no') : entries;
  const text = toJsonText(objectOf([...bodyEntries, ...extras]));
  const http = base64 ? encode(text, 'canonical') : { body: text, isBase64Encoded: false };
  const pathParameters = orderNoIn === 'body' ? null : { out_order_no: command.out_order_no };
  if (envelope === 'api-gateway-v1') return { ...loadEvent('api-gateway-v1'), pathParameters, ...http };
  return { ...loadEvent('api-gateway-v2'), pathParameters, ...http };
};

describe('fuzz/handler-valid-commands', () => {
  it('cancels every valid command in every envelope with exactly one request that carries it', async () => {
    await fc.assert(
      fc.asyncProperty(validCase, async (example) => {
        // Prepare
        const harness = createFuzzHarness({ config: example.config, plan: { steps: [], then: SIGNED_SUCCESS }, remainingMs: 20_000 });
        const expected = expectedCommand(example);

        // Act
        const settled = await harness.invoke(toInvocation(example));

        // Assess
        expect(settled).toHaveProperty('value');
        const value = (settled as { value: unknown }).value;
        const http = example.envelope === 'api-gateway-v1' || example.envelope === 'api-gateway-v2';
        if (http) expect(value).toMatchObject({ statusCode: 200 });
        const result = expectContractResult(http ? JSON.parse((value as { body: string }).body) : value);
        expect(result).toStrictEqual({ out_order_no: expected.out_order_no, order_id: ORDER_ID, state: 'REVOKED', already_cancelled: false });
        expect(harness.requests).toHaveLength(1);
        const [request] = harness.requests;
        expect(request?.url).toBe(`${CONFIGS[example.config].baseUrl}/wxv/cancelbill`);
        expect(wireProblems(request ?? { url: '', body: '' }, { baseUrls: harness.baseUrls, apiKey: API_KEY })).toEqual([]);
        const sent = Object.fromEntries(parseWireBody(request?.body ?? '') ?? []);
        const unsigned = { ...expected, version: '1.0', mch_id: MCH_ID, nonce_str: NONCE, sign_type: 'HMAC-SHA256' };
        expect(sent).toStrictEqual({ ...unsigned, sign: expectedSign(unsigned, API_KEY) });
      }),
      { numRuns: NUM_RUNS, seed: 0x5eed_0101, plugins: [fc.timeout(HANG_LIMIT_MS)] },
    );
  });
});
