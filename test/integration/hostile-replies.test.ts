import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox } from '../sandbox/index.js';
import type { Sandbox } from '../sandbox/index.js';
import { startHostileServer } from '../sandbox/hostile-server.js';
import type { HonestReply, HostileReply, HostileServer } from '../sandbox/hostile-server.js';
import type { WechatPayFault } from '../sandbox/wechatpay-faults.js';
import { signFields, toXml } from '../sandbox/wechatpay-protocol.js';
import { ifAssigned } from '../helpers/hooks.js';
import { startLambda } from '../helpers/lambda-process.js';
import type { Invocation, LambdaProcess } from '../helpers/lambda-process.js';
import { assertNoLeaks } from '../helpers/leaks.js';

/** One attempt's limit (WECHATPAY_TIMEOUT_MS) and the Lambda's remaining time per invocation. */
const ATTEMPT_MS = 1500;
const LAMBDA_MS = 4000;

type Expected = { name: string; code: string };

/** The honest XML with `extra` inserted before `</xml>`. */
const appended = (xml: string, extra: string): string => xml.replace(/<\/xml>$/, `${extra}</xml>`);
/** The honest reply with `changes` applied and signed again with the right key: a hostile but key-holding server. */
const resigned = ({ fields, apiKey }: HonestReply, changes: Record<string, string>): string => {
  const { sign: _old, ...unsigned } = { ...fields, ...changes };
  return toXml({ ...unsigned, sign: signFields(unsigned, apiKey) });
};
/** The honest XML with raw `bytes` spliced into the return_msg value. */
const withBytes = (xml: string, bytes: number[]): Buffer => {
  const [head, tail] = xml.split('<return_msg><![CDATA[OK');
  return Buffer.concat([Buffer.from(`${head}<return_msg><![CDATA[OK`), Buffer.from(bytes), Buffer.from(tail ?? '')]);
};

/** A reply far over the cap: buffering it whole would add this much to the function's memory. */
const FLOOD_BYTES = 32 * 1024 * 1024;
/** Peak resident memory (VmHWM) of process `pid`, in bytes (Linux). */
const peakRss = async (pid: string): Promise<number> => {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmHWM:\s+(\d+) kB$/m.exec(status)?.[1]) * 1024;
};
/** The pid of a Lambda process, from the request ids its runner hands out (`req-<pid>-<n>`). */
const pidOf = (lambda: LambdaProcess): string => {
  const requestId = String(lambda.records().find((record) => typeof record.request_id === 'string')?.request_id);
  return /^req-(\d+)-/.exec(requestId)?.[1] ?? 'unknown';
};

const XXE = '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>';
const NESTING = 8000;

/** Replies the sandbox's own fault kinds produce. Every one reaches the function after the cancel was applied. */
const SANDBOX_FAULTS: { name: string; fault: WechatPayFault; expected: Expected }[] = [
  { name: 'an entity bomb (billion laughs)', fault: { kind: 'doctype' }, expected: { name: 'WechatPayError', code: 'XML_DOCTYPE_REFUSED' } },
  { name: 'two result_code elements', fault: { kind: 'duplicateResultCode' }, expected: { name: 'WechatPayError', code: 'XML_DUPLICATE_FIELD' } },
  { name: 'a valid signature over other fields', fault: { kind: 'signedOverOtherFields' }, expected: { name: 'SignatureError', code: 'SIGN_MISMATCH' } },
  { name: 'a signature under another key', fault: { kind: 'misSigned' }, expected: { name: 'SignatureError', code: 'SIGN_MISMATCH' } },
  { name: 'an unsigned success', fault: { kind: 'unsignedSuccess' }, expected: { name: 'SignatureError', code: 'SIGN_MISSING' } },
  { name: 'a 100 KB reply with Content-Length', fault: { kind: 'huge', bytes: 100_000 }, expected: { name: 'WechatPayError', code: 'REPLY_TOO_LARGE' } },
  { name: 'a 100 KB chunked reply', fault: { kind: 'huge', bytes: 100_000, chunked: true }, expected: { name: 'WechatPayError', code: 'REPLY_TOO_LARGE' } },
];

/** Shapes only the hostile front can send. */
const HOSTILE_REPLIES: { name: string; reply: HostileReply; expected: Expected }[] = [
  { name: 'an external entity', reply: { body: ({ xml }) => `${XXE}${xml.replace('<return_msg><![CDATA[OK]]>', '<return_msg>&xxe;')}` }, expected: { name: 'WechatPayError', code: 'XML_DOCTYPE_REFUSED' } },
  { name: 'a lower-case doctype', reply: { body: ({ xml }) => `<!doctype xml>${xml}` }, expected: { name: 'WechatPayError', code: 'XML_DOCTYPE_REFUSED' } },
  { name: `${NESTING} nested elements`, reply: { body: ({ xml }) => appended(xml, `${'<a>'.repeat(NESTING)}x${'</a>'.repeat(NESTING)}`) }, expected: { name: 'WechatPayError', code: 'XML_NESTED_FIELD' } },
  { name: 'a field holding an element', reply: { body: ({ xml }) => xml.replace(/<result_code>.*?<\/result_code>/, '<result_code><v>SUCCESS</v></result_code>') }, expected: { name: 'WechatPayError', code: 'XML_NESTED_FIELD' } },
  { name: 'two sign elements', reply: { body: ({ xml }) => appended(xml, `<sign>${'A'.repeat(64)}</sign>`) }, expected: { name: 'WechatPayError', code: 'XML_DUPLICATE_FIELD' } },
  { name: 'a 20,000-character field', reply: { body: ({ xml }) => appended(xml, `<attach>${'x'.repeat(20_000)}</attach>`) }, expected: { name: 'WechatPayError', code: 'XML_TOO_LARGE' } },
  { name: '200 fields', reply: { body: ({ xml }) => appended(xml, Array.from({ length: 200 }, (_, i) => `<f${i}>1</f${i}>`).join('')) }, expected: { name: 'WechatPayError', code: 'XML_TOO_LARGE' } },
  { name: 'an invalid UTF-8 byte', reply: { body: ({ xml }) => withBytes(xml, [0xff]) }, expected: { name: 'WechatPayError', code: 'REPLY_NOT_UTF8' } },
  { name: 'an overlong UTF-8 encoding', reply: { body: ({ xml }) => withBytes(xml, [0xc0, 0xaf]) }, expected: { name: 'WechatPayError', code: 'REPLY_NOT_UTF8' } },
  { name: 'a UTF-8 encoded surrogate', reply: { body: ({ xml }) => withBytes(xml, [0xed, 0xa0, 0x80]) }, expected: { name: 'WechatPayError', code: 'REPLY_NOT_UTF8' } },
  { name: 'CDATA outside the fields', reply: { body: ({ xml }) => xml.replace('<xml>', '<xml><![CDATA[<result_code>SUCCESS</result_code>]]>') }, expected: { name: 'WechatPayError', code: 'XML_UNEXPECTED_TEXT' } },
  { name: 'a __proto__ element', reply: { body: ({ xml }) => appended(xml, '<__proto__>polluted</__proto__>') }, expected: { name: 'WechatPayError', code: 'XML_FORBIDDEN_FIELD' } },
  { name: 'a constructor element', reply: { body: ({ xml }) => appended(xml, '<constructor>x</constructor>') }, expected: { name: 'WechatPayError', code: 'XML_FORBIDDEN_FIELD' } },
  { name: 'a signed reply for another order', reply: { body: (honest) => resigned(honest, { out_order_no: 'SOMEONE-ELSE' }) }, expected: { name: 'WechatPayError', code: 'OUT_ORDER_NO_MISMATCH' } },
  { name: 'a signed reply for another merchant', reply: { body: (honest) => resigned(honest, { mch_id: '1900000001' }) }, expected: { name: 'WechatPayError', code: 'MCH_ID_MISMATCH' } },
];

/** Hostile replies through the built bundle: each refused with its named error within one attempt's deadline. */
describe('hostile replies', () => {
  let sandbox: Sandbox;
  let hostile: HostileServer;
  let viaSandbox: LambdaProcess;
  let viaHostile: LambdaProcess;
  const errorMessages: string[] = [];
  let counter = 0;
  const nextOrderNo = (): string => `HOSTILE-${(counter += 1)}`;
  const invoke = async (lambda: LambdaProcess, orderNo: string): Promise<Invocation> => {
    const outcome = await lambda.invoke({ out_order_no: orderNo, reason: 'hostile' }, { timeoutMs: LAMBDA_MS });
    if (!outcome.ok) errorMessages.push(outcome.error.message);
    return outcome;
  };

  beforeAll(async () => {
    sandbox = await startSandbox();
    hostile = await startHostileServer({
      tls: { cert: sandbox.certs.server.certPem, key: sandbox.certs.server.keyPem },
      mchId: sandbox.mchId,
      apiKey: () => sandbox.apiKey,
      orders: sandbox.orders,
    });
    const timeout = { WECHATPAY_TIMEOUT_MS: String(ATTEMPT_MS) };
    [viaSandbox, viaHostile] = await Promise.all([
      startLambda(sandbox.env(timeout)),
      startLambda(sandbox.env({ ...timeout, WECHATPAY_BASE_URL: hostile.url, WECHATPAY_BACKUP_BASE_URL: '' })),
    ]);
  });

  afterAll(async () => {
    const lambdas = [ifAssigned(viaSandbox), ifAssigned(viaHostile)].filter((lambda) => lambda !== undefined);
    const logs = lambdas.flatMap((lambda) => lambda.logs());
    await Promise.all(lambdas.map((lambda) => lambda.stop()));
    const started = { sandbox: ifAssigned(sandbox), hostile: ifAssigned(hostile) };
    if (started.sandbox !== undefined) assertNoLeaks([...logs, ...errorMessages].join('\n'), started.sandbox, { signs: started.hostile?.replySigns });
    await started.hostile?.close();
    await started.sandbox?.close();
  });

  it.each(SANDBOX_FAULTS)('refuses $name, answers the order state from queryrentbill, and stays retryable when the query is hostile too', async ({ fault, expected }) => {
    // Prepare: every hostile reply comes after the cancel was applied.
    const [applied, unknown] = [nextOrderNo(), nextOrderNo()];
    for (const orderNo of [applied, unknown]) sandbox.seedOrder(orderNo, 'CREATED');
    sandbox.primary.faults.push(fault, { endpoint: 'cancelbill', match: (request) => request.fields?.out_order_no === applied });
    sandbox.primary.faults.set(fault, { match: (request) => request.fields?.out_order_no === unknown });

    // Act
    const answered = await invoke(viaSandbox, applied);
    const refused = await invoke(viaSandbox, unknown);
    sandbox.primary.faults.clear();

    // Assess: the reply is never believed; the verified query is, and without one the answer is
    // retryable, unless replies still do not verify after the fresh fetch of the secret (a person must act).
    expect(answered).toMatchObject({ ok: true, result: { state: 'REVOKED', already_cancelled: true } });
    if (expected.code === 'SIGN_MISMATCH') {
      expect(refused).toMatchObject({ ok: false, error: { name: 'SignatureError' } });
      expect((refused as Extract<Invocation, { ok: false }>).error.message).toMatch(/^SIGN_MISMATCH: /);
    } else {
      expect(refused).toMatchObject({ ok: false, error: { name: 'TransientError' } });
      expect((refused as Extract<Invocation, { ok: false }>).error.message).toMatch(new RegExp(`^ORDER_STATE_UNKNOWN: .*\\(${expected.code}\\)`));
    }
    expect(refused.ms).toBeLessThan(LAMBDA_MS);
    expect(viaSandbox.unhandled()).toEqual([]);
    expect(await invoke(viaSandbox, unknown)).toMatchObject({ ok: true, result: { state: 'REVOKED', already_cancelled: true } });
    for (const orderNo of [applied, unknown]) expect(sandbox.orders.get(orderNo)?.cancelCount).toBe(1);
  });

  it('answers SignatureError for a forged success when the verified query says the order is still open', async () => {
    // Prepare
    const orderNo = nextOrderNo();
    sandbox.seedOrder(orderNo, 'CREATED');
    sandbox.primary.faults.set('forgedSuccess', { endpoint: 'cancelbill', match: (request) => request.fields?.out_order_no === orderNo });

    // Act
    const outcome = await invoke(viaSandbox, orderNo);
    sandbox.primary.faults.clear();

    // Assess: never a success for an order that was not cancelled.
    expect(outcome).toMatchObject({ ok: false, error: { name: 'SignatureError' } });
    expect((outcome as Extract<Invocation, { ok: false }>).error.message).toMatch(/^SIGN_MISMATCH: /);
    expect(sandbox.orders.get(orderNo)).toMatchObject({ state: 'CREATED', cancelCount: 0 });
  });

  it.each(HOSTILE_REPLIES)('refuses $name, answers the order state from queryrentbill, and stays retryable when the query is hostile too', async ({ reply, expected }) => {
    // Prepare
    const [applied, unknown] = [nextOrderNo(), nextOrderNo()];
    for (const orderNo of [applied, unknown]) sandbox.seedOrder(orderNo, 'CREATED');

    // Act: first only the cancel's reply is hostile, then the query's too.
    hostile.push(reply);
    const answered = await invoke(viaHostile, applied);
    hostile.push(reply, 2);
    const refused = await invoke(viaHostile, unknown);

    // Assess
    expect(answered).toMatchObject({ ok: true, result: { out_order_no: applied, state: 'REVOKED', already_cancelled: true } });
    expect(refused).toMatchObject({ ok: false, error: { name: 'TransientError' } });
    expect((refused as Extract<Invocation, { ok: false }>).error.message).toMatch(new RegExp(`^ORDER_STATE_UNKNOWN: .*\\(${expected.code}\\)`));
    expect(refused.ms).toBeLessThan(LAMBDA_MS);
    expect(viaHostile.unhandled()).toEqual([]);
    expect(await invoke(viaHostile, unknown)).toMatchObject({ ok: true, result: { state: 'REVOKED', already_cancelled: true } });
    for (const orderNo of [applied, unknown]) expect(sandbox.orders.get(orderNo)?.cancelCount).toBe(1);
  });

  it.each([
    { name: 'a 70 KB HTML error page', body: () => `<html><body>${'Bad Gateway '.repeat(6000)}</body></html>` },
    { name: 'a GBK-encoded error page', body: () => Buffer.from([0x3c, 0x68, 0x31, 0x3e, 0xcf, 0xb5, 0xcd, 0xb3, 0xb7, 0xb1, 0xc3, 0xa6, 0x3c, 0x2f, 0x68, 0x31, 0x3e]) },
  ])('treats HTTP 502 with $name as transient, retries, and answers the truth', async ({ body }) => {
    // Prepare
    const orderNo = nextOrderNo();
    sandbox.seedOrder(orderNo, 'CREATED');
    hostile.push({ status: 502, body });

    // Act
    const outcome = await invoke(viaHostile, orderNo);

    // Assess: the first request was applied before the 502, so the retry finds the order revoked.
    expect(outcome).toMatchObject({ ok: true, result: { state: 'REVOKED', already_cancelled: true } });
    expect(sandbox.orders.get(orderNo)?.cancelCount).toBe(1);
  });

  it('counts a 70 KB nginx "400 The SSL certificate error" page as a certificate refusal, with one fresh fetch of the secret', async () => {
    // Prepare
    const orderNo = nextOrderNo();
    sandbox.seedOrder(orderNo, 'CREATED');
    const page = `<html><head><title>400 The SSL certificate error</title></head><body>${'<!-- padding -->'.repeat(4500)}</body></html>`;
    hostile.push({ status: 400, body: () => page });
    const fetchesBefore = sandbox.secrets.stats.getSecretValue;

    // Act
    const outcome = await invoke(viaHostile, orderNo);

    // Assess: as the small page is; the secret has not changed, so the refusal stands.
    expect(outcome).toMatchObject({ ok: false, error: { name: 'WechatPayError' } });
    expect((outcome as Extract<Invocation, { ok: false }>).error.message).toMatch(/^SSL_CERT_ERROR: /);
    expect(sandbox.secrets.stats.getSecretValue - fetchesBefore).toBe(1);
  });

  it('answers a 70 KB 404 page with WechatPayError HTTP_404, as a small one', async () => {
    // Prepare
    const orderNo = nextOrderNo();
    sandbox.seedOrder(orderNo, 'CREATED');
    hostile.push({ status: 404, body: () => `<html><body>${'Not Found '.repeat(7000)}</body></html>` });

    // Act
    const outcome = await invoke(viaHostile, orderNo);

    // Assess
    expect(outcome).toMatchObject({ ok: false, error: { name: 'WechatPayError' } });
    expect((outcome as Extract<Invocation, { ok: false }>).error.message).toMatch(/^HTTP_404: /);
  });

  it('refuses a 32 MB chunked stream at the cap without buffering it, and answers the order state', async () => {
    // Prepare: a success and a small flood first, so the process's peak memory has settled (source maps, error paths).
    for (const size of [0, 256 * 1024]) {
      const warmUp = nextOrderNo();
      sandbox.seedOrder(warmUp, 'CREATED');
      if (size > 0) hostile.push({ body: ({ xml }) => Buffer.concat([Buffer.from(xml.replace(/<\/xml>$/, '<p>')), Buffer.alloc(size, 'x')]), chunked: true });
      await invoke(viaHostile, warmUp);
    }
    const pid = pidOf(viaHostile);
    const before = await peakRss(pid);
    const orderNo = nextOrderNo();
    sandbox.seedOrder(orderNo, 'CREATED');
    const flood = Buffer.alloc(FLOOD_BYTES, 'x');
    hostile.push({ body: ({ xml }) => Buffer.concat([Buffer.from(xml.replace(/<\/xml>$/, '<p>')), flood]), chunked: true });

    // Act
    const outcome = await invoke(viaHostile, orderNo);

    // Assess: the flood is cut off at the cap, and the applied cancel is answered from queryrentbill.
    expect(outcome).toMatchObject({ ok: true, result: { state: 'REVOKED', already_cancelled: true } });
    expect(viaHostile.records().filter((record) => record.message === 'cancel-bill invocation').at(-1)).toMatchObject({ attempts: 2 });
    expect(outcome.ms).toBeLessThan(ATTEMPT_MS);
    expect((await peakRss(pid)) - before).toBeLessThan(FLOOD_BYTES / 2);
  });

  it('gives up on a reply trickled one byte at a time with READ_TIMEOUT within the Lambda deadline', async () => {
    // Prepare
    const orderNo = nextOrderNo();
    sandbox.seedOrder(orderNo, 'CREATED');
    sandbox.primary.faults.set({ kind: 'trickle', delayMs: 20 }, { match: (request) => request.fields?.out_order_no === orderNo });

    // Act
    const outcome = await invoke(viaSandbox, orderNo);
    sandbox.primary.faults.clear();

    // Assess
    expect(outcome).toMatchObject({ ok: false, error: { name: 'TransientError' } });
    expect((outcome as Extract<Invocation, { ok: false }>).error.message).toMatch(/^READ_TIMEOUT: /);
    expect(outcome.ms).toBeGreaterThanOrEqual(ATTEMPT_MS);
    expect(outcome.ms).toBeLessThan(LAMBDA_MS);
  });

  it('is not fooled by markup inside CDATA in a correctly signed refusal', async () => {
    // Prepare: no such order, so the honest reply is a signed ORDERNOTEXIST refusal.
    const orderNo = nextOrderNo();
    hostile.push({ body: (honest) => resigned(honest, { return_msg: 'OK</return_msg><result_code>SUCCESS</result_code><return_msg>' }) });

    // Act
    const outcome = await invoke(viaHostile, orderNo);

    // Assess
    expect(outcome).toMatchObject({ ok: false, error: { name: 'OrderNotFoundError' } });
    expect((outcome as Extract<Invocation, { ok: false }>).error.message).toMatch(/^ORDERNOTEXIST: /);
  });

  it('retries a reply cut inside a CDATA section and answers from the order state', async () => {
    // Prepare
    const orderNo = nextOrderNo();
    sandbox.seedOrder(orderNo, 'CREATED');
    hostile.push({ body: ({ xml }) => xml.replace(/\]\]><\/return_msg>.*$/, '') });

    // Act
    const outcome = await invoke(viaHostile, orderNo);

    // Assess
    expect(outcome).toMatchObject({ ok: true, result: { out_order_no: orderNo, state: 'REVOKED', already_cancelled: true } });
    expect(sandbox.orders.get(orderNo)).toMatchObject({ state: 'REVOKED', cancelCount: 1 });
  });
});
