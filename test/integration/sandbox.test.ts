import { Agent, request } from 'node:https';
import type { RequestOptions } from 'node:https';
import type { ClientRequest, IncomingMessage } from 'node:http';
import { randomBytes } from 'node:crypto';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { OrderState, hasValidSignature, parseXml, signFields, startSandbox, toXml } from '../sandbox/index.js';
import type { ClientCertName, Fields, Sandbox, WechatPayFault } from '../sandbox/index.js';
import { startWechatPaySandbox } from '../sandbox/wechatpay-server.js';
import { SPEC_API_KEY as SPEC_KEY, V1_FIELDS as SPEC_EXAMPLE, V1_SIGN, V2_FIELDS as SPEC_CANCEL, V2_SIGN, V3_SIGN } from '../fixtures/spec-vectors.js';

type Reply = { status: number; contentType: string; body: string; fields: Fields | undefined };
type Identity = Pick<RequestOptions, 'cert' | 'key' | 'pfx' | 'passphrase'>;

let sandbox: Sandbox;
let orderCount = 0;

const nextOrderNo = (): string => `SBX-${Date.now()}-${(orderCount += 1)}`;

const merchant = (): Identity => ({ cert: sandbox.certs.clients.merchant.certPem, key: sandbox.certs.clients.merchant.keyPem });

/** A fresh TLS connection (no agent) trusting the sandbox CA. */
const open = (url: string, options: RequestOptions, onResponse?: (incoming: IncomingMessage) => void): ClientRequest =>
  request(url, { method: 'POST', ca: sandbox.certs.ca.certPem, agent: false, headers: { 'content-type': 'text/xml' }, ...options }, onResponse);

const post = (url: string, body: string, identity: Identity = merchant(), method = 'POST'): Promise<Reply> =>
  new Promise((resolve, reject) => {
    const outgoing = open(url, { method, ...identity }, (incoming) => {
      const chunks: Buffer[] = [];
      incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
      incoming.on('error', reject);
      incoming.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const parsed = parseXml(text);
        const contentType = incoming.headers['content-type'] ?? '';
        resolve({ status: incoming.statusCode ?? 0, contentType, body: text, fields: parsed.ok ? parsed.fields : undefined });
      });
    });
    outgoing.on('error', reject);
    outgoing.end(body);
  });

const requestFields = (outOrderNo: string, overrides: Fields = {}): Fields => ({
  version: '1.0',
  appid: sandbox.appid,
  mch_id: sandbox.mchId,
  nonce_str: randomBytes(16).toString('hex'),
  sign_type: 'HMAC-SHA256',
  out_order_no: outOrderNo,
  reason: '用户投诉 <退款> & "重复"',
  service_id: sandbox.serviceId,
  ...overrides,
});

const signedXml = (fields: Fields, apiKey = sandbox.apiKey): string => toXml({ ...fields, sign: signFields(fields, apiKey) });

const cancel = (outOrderNo: string, overrides: Fields = {}, url = sandbox.primary.url): Promise<Reply> =>
  post(`${url}/wxv/cancelbill`, signedXml(requestFields(outOrderNo, overrides)));

/** A signed `wxv/queryrentbill` request (the cancel fields without `reason`). */
const queryBill = (outOrderNo: string, url = sandbox.primary.url): Promise<Reply> => {
  const fields = requestFields(outOrderNo);
  delete fields.reason;
  return post(`${url}/wxv/queryrentbill`, signedXml(fields));
};

beforeAll(async () => {
  sandbox = await startSandbox();
});

afterAll(async () => {
  await sandbox.close();
});

afterEach(() => {
  sandbox.clearFaults();
});

describe('sandbox/wechatpay-protocol', () => {
  it.each([
    { name: 'V1 official example', fields: SPEC_EXAMPLE, sign: V1_SIGN },
    { name: 'V2 cancelbill request', fields: SPEC_CANCEL, sign: V2_SIGN },
    {
      name: 'V3 empty value and sign dropped',
      fields: { ...SPEC_CANCEL, service_id: '', sign: 'WHATEVER' },
      sign: V3_SIGN,
    },
  ])('signs the spec vector $name', ({ fields, sign }) => {
    // Act
    const signature = signFields(fields, SPEC_KEY);

    // Assess
    expect(signature).toBe(sign);
  });

  it('parses CDATA, entities and character references into the raw values', () => {
    // Prepare
    const body = '<xml>\n <a><![CDATA[x]]]]><![CDATA[>y]]></a><b>&lt;&amp;&gt;&apos;&quot;&#20013;&#x6587;</b><c/><__proto__>p</__proto__></xml>';

    // Act
    const parsed = parseXml(body);

    // Assess
    expect(parsed.ok && Object.entries(parsed.fields)).toEqual([
      ['a', 'x]]>y'],
      ['b', `<&>'"中文`],
      ['c', ''],
      ['__proto__', 'p'],
    ]);
    expect(Object.getPrototypeOf(parsed.ok && parsed.fields)).toBeNull();
  });

  it.each([
    { name: 'an XML declaration', body: '<?xml version="1.0"?><xml><a>1</a></xml>' },
    { name: 'a DOCTYPE', body: '<!DOCTYPE xml [<!ENTITY e "x">]><xml><a>&e;</a></xml>' },
    { name: 'an unknown entity', body: '<xml><a>&e;</a></xml>' },
    { name: 'a duplicate element', body: '<xml><a>1</a><a>2</a></xml>' },
    { name: 'a nested element', body: '<xml><a><b>1</b></a></xml>' },
    { name: 'an unclosed element', body: '<xml><a>1</xml>' },
    { name: 'a non-XML body', body: 'return_code=SUCCESS' },
  ])('rejects $name', ({ body }) => {
    // Act
    const parsed = parseXml(body);

    // Assess
    expect(parsed.ok).toBe(false);
  });

  it('round-trips values with markup characters through toXml', () => {
    // Prepare
    const fields = { reason: 'a]]>b<c>&"\'', order_id: '15646546545165651651' };

    // Act
    const parsed = parseXml(toXml(fields));

    // Assess
    expect(parsed.ok && { ...parsed.fields }).toEqual(fields);
  });
});

describe('sandbox/wechatpay-server', () => {
  it('cancels a CREATED order with a signed success reply', async () => {
    // Prepare
    const order = sandbox.seedOrder(nextOrderNo());
    sandbox.primary.resetStats();

    // Act
    const reply = await cancel(order.out_order_no);

    // Assess
    expect(reply.status).toBe(200);
    expect(reply.contentType).toBe('text/plain');
    expect(reply.fields).toMatchObject({
      return_code: 'SUCCESS',
      result_code: 'SUCCESS',
      appid: sandbox.appid,
      mch_id: sandbox.mchId,
      out_order_no: order.out_order_no,
      service_id: sandbox.serviceId,
      order_id: order.order_id,
    });
    expect(reply.fields?.order_id).toMatch(/^\d{20}$/);
    expect(hasValidSignature(reply.fields ?? {}, sandbox.apiKey)).toBe(true);
    expect(sandbox.orders.get(order.out_order_no)).toMatchObject({ state: 'REVOKED', cancelCount: 1 });
    expect(sandbox.primary.stats.requests).toHaveLength(1);
    expect(sandbox.primary.stats.requests[0]).toMatchObject({ endpoint: 'cancelbill', outcome: 'SUCCESS', fields: { out_order_no: order.out_order_no } });
    expect(sandbox.primary.stats.requests[0]?.fields).not.toHaveProperty('sign');
    expect(sandbox.primary.stats.handshakes).toBe(1);
  });

  it.each([
    { name: 'a REVOKED order', state: OrderState.REVOKED },
    { name: 'a FINISHED order', state: OrderState.FINISHED },
  ])('refuses to cancel $name with a signed INVALID_ORDER_STATE', async ({ state }) => {
    // Prepare
    const order = sandbox.seedOrder(nextOrderNo(), state);

    // Act
    const reply = await cancel(order.out_order_no);

    // Assess
    expect(reply.fields).toMatchObject({ return_code: 'SUCCESS', result_code: 'FAIL', err_code: 'INVALID_ORDER_STATE' });
    expect(hasValidSignature(reply.fields ?? {}, sandbox.apiKey)).toBe(true);
    expect(sandbox.orders.get(order.out_order_no)?.state).toBe(state);
  });

  it.each<{ name: string; overrides: Fields; errCode: string; seed: boolean }>([
    { name: 'an unknown order', overrides: {}, errCode: 'ORDERNOTEXIST', seed: false },
    { name: 'another service_id', overrides: { service_id: '1' }, errCode: 'ORDERNOTEXIST', seed: true },
    { name: 'another mch_id', overrides: { mch_id: '1900000001' }, errCode: 'NOAUTH', seed: true },
    { name: 'a missing reason', overrides: { reason: '' }, errCode: 'PARAM_ERROR', seed: true },
    { name: 'a reason of 51 characters', overrides: { reason: '退'.repeat(51) }, errCode: 'PARAM_ERROR', seed: true },
    { name: 'an emoji in reason', overrides: { reason: '坏了😀' }, errCode: 'PARAM_ERROR', seed: true },
    { name: 'sign_type MD5', overrides: { sign_type: 'MD5' }, errCode: 'PARAM_ERROR', seed: true },
  ])('answers $name with $errCode', async ({ overrides, errCode, seed }) => {
    // Prepare
    const outOrderNo = nextOrderNo();
    if (seed) sandbox.seedOrder(outOrderNo);

    // Act
    const reply = await cancel(outOrderNo, overrides);

    // Assess
    expect(reply.fields).toMatchObject({ return_code: 'SUCCESS', result_code: 'FAIL', err_code: errCode });
    if (seed) expect(sandbox.orders.get(outOrderNo)?.state).toBe('CREATED');
  });

  it('answers a wrong signature with an unsigned 签名错误', async () => {
    // Prepare
    const order = sandbox.seedOrder(nextOrderNo());
    const body = signedXml(requestFields(order.out_order_no), 'K'.repeat(32));

    // Act
    const reply = await post(`${sandbox.primary.url}/wxv/cancelbill`, body);

    // Assess
    expect(reply.fields).toEqual(Object.assign(Object.create(null), { return_code: 'FAIL', return_msg: '签名错误' }));
    expect(order.state).toBe('CREATED');
  });

  it('answers an XML declaration with XML格式错误', async () => {
    // Act
    const reply = await post(`${sandbox.primary.url}/wxv/cancelbill`, `<?xml version="1.0"?>${signedXml(requestFields(nextOrderNo()))}`);

    // Assess
    expect(reply.fields).toMatchObject({ return_code: 'FAIL', return_msg: 'XML格式错误' });
  });

  it('answers a request without client certificate with the nginx 400 page', async () => {
    // Act
    const reply = await post(`${sandbox.primary.url}/wxv/cancelbill`, signedXml(requestFields(nextOrderNo())), {});

    // Assess
    expect(reply.status).toBe(400);
    expect(reply.contentType).toBe('text/html');
    expect(reply.body).toContain('No required SSL certificate was sent');
  });

  it.each<{ name: ClientCertName }>([{ name: 'expired' }, { name: 'notYetValid' }, { name: 'foreign' }, { name: 'otherMerchant' }])(
    'answers the $name client certificate with "400 The SSL certificate error"',
    async ({ name }) => {
      // Prepare
      const identity = sandbox.certs.clients[name];

      // Act
      const reply = await post(`${sandbox.primary.url}/wxv/cancelbill`, signedXml(requestFields(nextOrderNo())), { cert: identity.certPem, key: identity.keyPem });

      // Assess
      expect(reply.status).toBe(400);
      expect(reply.body).toContain('400 The SSL certificate error');
    },
  );

  it('accepts the PKCS#12 client certificate and answers queries with the order state', async () => {
    // Prepare
    const order = sandbox.seedOrder(nextOrderNo(), OrderState.EXPIRED);
    const pfx = sandbox.certs.clients.merchant.pfx;
    const fields = requestFields(order.out_order_no);
    delete fields.reason;

    // Act
    const reply = await post(`${sandbox.backup.url}/wxv/queryrentbill`, signedXml(fields), { pfx: pfx?.der, passphrase: pfx?.passphrase });

    // Assess
    expect(reply.fields).toMatchObject({ result_code: 'SUCCESS', state: 'EXPIRED', order_id: order.order_id });
    expect(hasValidSignature(reply.fields ?? {}, sandbox.apiKey)).toBe(true);
  });

  it.each([
    { name: 'an unknown path', path: '/wxv/finishrentbill', method: 'POST', status: 404 },
    { name: 'a GET', path: '/wxv/cancelbill', method: 'GET', status: 405 },
  ])('answers $name with HTTP $status', async ({ path, method, status }) => {
    // Act
    const reply = await post(`${sandbox.primary.url}${path}`, '', merchant(), method);

    // Assess
    expect(reply.status).toBe(status);
  });

  it('shares the order store and honours repeatCancelCode, signFailReplies and replyContentType', async () => {
    // Prepare
    const order = sandbox.seedOrder(nextOrderNo());
    const strict = await startWechatPaySandbox({
      tls: { cert: sandbox.certs.server.certPem, key: sandbox.certs.server.keyPem, clientCa: sandbox.certs.merchantCa.certPem },
      mchId: sandbox.mchId,
      apiKey: sandbox.apiKey,
      orders: sandbox.orders,
      name: 'strict',
      repeatCancelCode: 'PARAM_ERROR',
      signFailReplies: false,
      replyContentType: 'text/xml',
    });

    try {
      // Act
      const first = await cancel(order.out_order_no, {}, strict.url);
      const second = await cancel(order.out_order_no, {}, sandbox.primary.url);
      const third = await cancel(order.out_order_no, {}, strict.url);

      // Assess
      expect(first.fields?.result_code).toBe('SUCCESS');
      expect(second.fields?.err_code).toBe('INVALID_ORDER_STATE');
      expect(third.contentType).toBe('text/xml');
      expect(third.fields).toMatchObject({ result_code: 'FAIL', err_code: 'PARAM_ERROR', err_code_des: '撤销失败，请确认入参' });
      expect(third.fields).not.toHaveProperty('sign');
      expect(strict.stats.requests.map((recorded) => recorded.outcome)).toEqual(['SUCCESS', 'PARAM_ERROR']);
    } finally {
      await strict.close();
    }
  });

  it.each([
    { close: 'fin' as const, first: 'SUCCESS', handshakes: 2, idleResets: 0 },
    { close: 'reset' as const, first: 'ECONNRESET', handshakes: 1, idleResets: 1 },
  ])('ends a keep-alive connection idle past idleMs with close=$close', async ({ close, first, handshakes, idleResets }) => {
    // Prepare
    const server = await startWechatPaySandbox({
      tls: { cert: sandbox.certs.server.certPem, key: sandbox.certs.server.keyPem, clientCa: sandbox.certs.merchantCa.certPem },
      mchId: sandbox.mchId,
      apiKey: sandbox.apiKey,
      orders: sandbox.orders,
      keepAlive: { idleMs: 50, close },
    });
    const agent = new Agent({ keepAlive: true, ca: sandbox.certs.ca.certPem, ...merchant() });
    const send = (): Promise<string> =>
      new Promise((resolve) => {
        const outgoing = request(`${server.url}/wxv/cancelbill`, { method: 'POST', agent }, (incoming) => {
          incoming.resume();
          incoming.on('end', () => resolve('SUCCESS'));
        });
        outgoing.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
        outgoing.end(signedXml(requestFields(sandbox.seedOrder(nextOrderNo()).out_order_no)));
      });

    try {
      // Act
      await send();
      await new Promise((resolve) => setTimeout(resolve, 150));
      const afterIdle = await send();

      // Assess
      expect(afterIdle).toBe(first);
      expect(server.stats.handshakes).toBe(handshakes);
      expect(server.stats.idleResets).toBe(idleResets);
    } finally {
      agent.destroy();
      await server.close();
    }
  });

  it('rejects the old key after setApiKey', async () => {
    // Prepare
    const order = sandbox.seedOrder(nextOrderNo());
    const oldKey = sandbox.apiKey;
    sandbox.setApiKey('N'.repeat(32));
    try {
      // Act
      const reply = await post(`${sandbox.primary.url}/wxv/cancelbill`, signedXml(requestFields(order.out_order_no), oldKey));

      // Assess
      expect(reply.fields?.return_msg).toBe('签名错误');
    } finally {
      sandbox.setApiKey(oldKey);
    }
  });
});

describe('sandbox/wechatpay-faults', () => {
  it('answers systemError unsigned and leaves the order alone', async () => {
    // Prepare
    const order = sandbox.seedOrder(nextOrderNo());
    sandbox.primary.faults.push('systemError', { endpoint: 'cancelbill' });

    // Act
    const first = await cancel(order.out_order_no);
    const second = await cancel(order.out_order_no);

    // Assess
    expect(first.fields).toMatchObject({ return_code: 'SUCCESS', result_code: 'FAIL', err_code: 'SYSTEMERROR' });
    expect(first.fields).not.toHaveProperty('sign');
    expect(second.fields?.result_code).toBe('SUCCESS');
    expect(order.cancelCount).toBe(1);
  });

  it('applies the cancel and then drops the connection on resetAfterProcessing', async () => {
    // Prepare
    const order = sandbox.seedOrder(nextOrderNo());
    sandbox.primary.faults.push('resetAfterProcessing');

    // Act
    const attempt = cancel(order.out_order_no);

    // Assess
    await expect(attempt).rejects.toThrow(/socket hang up|ECONNRESET/);
    expect(order.state).toBe('REVOKED');
  });

  it('targets a fault at one endpoint only', async () => {
    // Prepare
    const order = sandbox.seedOrder(nextOrderNo());
    sandbox.primary.faults.set('http502', { endpoint: 'queryrentbill' });

    // Act
    const queried = await queryBill(order.out_order_no);
    const reply = await cancel(order.out_order_no);

    // Assess
    expect(queried.status).toBe(502);
    expect(queried.body).toContain('502 Bad Gateway');
    expect(reply.status).toBe(200);
    expect(reply.fields?.result_code).toBe('SUCCESS');
    expect(order.state).toBe(OrderState.REVOKED);
    expect(sandbox.primary.faults.pending()).toBe(0);
  });

  it.each([{ kind: 'misSigned' as const }, { kind: 'signedOverOtherFields' as const }])('sends a reply whose signature fails with $kind', async ({ kind }) => {
    // Prepare
    const order = sandbox.seedOrder(nextOrderNo());
    sandbox.primary.faults.push(kind);

    // Act
    const reply = await cancel(order.out_order_no);

    // Assess
    expect(reply.fields).toMatchObject({ return_code: 'SUCCESS', result_code: 'SUCCESS' });
    expect(reply.fields?.sign).toMatch(/^[0-9A-F]{64}$/);
    expect(hasValidSignature(reply.fields ?? {}, sandbox.apiKey)).toBe(false);
  });

  it.each<{ kind: string; fault: WechatPayFault; status: number; check: (body: string) => boolean }>([
    { kind: 'returnFail', fault: { kind: 'returnFail', msg: 'System Error' }, status: 200, check: (body) => parseXml(body).ok && body.includes('System Error') },
    { kind: 'frequencyLimited', fault: { kind: 'frequencyLimited' }, status: 200, check: (body) => body.includes('FREQUENCY_LIMITED') },
    { kind: 'certError', fault: { kind: 'certError' }, status: 400, check: (body) => body.includes('400 The SSL certificate error') },
    { kind: 'http500', fault: { kind: 'http500' }, status: 500, check: (body) => body.includes('500 Internal Server Error') },
    { kind: 'malformed', fault: { kind: 'malformed' }, status: 200, check: (body) => body.startsWith('<xml>') && !parseXml(body).ok },
    { kind: 'doctype', fault: { kind: 'doctype' }, status: 200, check: (body) => body.startsWith('<!DOCTYPE xml [') && body.includes('&lol9;') },
    { kind: 'duplicateResultCode', fault: { kind: 'duplicateResultCode' }, status: 200, check: (body) => body.split('<result_code>').length === 3 },
    { kind: 'unsignedSuccess', fault: { kind: 'unsignedSuccess' }, status: 200, check: (body) => body.includes('SUCCESS') && !body.includes('<sign>') },
    { kind: 'huge', fault: { kind: 'huge', bytes: 100_000 }, status: 200, check: (body) => body.length > 100_000 },
  ])('shapes the reply for $kind', async ({ fault, status, check }) => {
    // Prepare
    const order = sandbox.seedOrder(nextOrderNo());
    sandbox.primary.faults.push(fault);

    // Act
    const reply = await cancel(order.out_order_no);

    // Assess
    expect(reply.status).toBe(status);
    expect(check(reply.body)).toBe(true);
  });

  it('never answers on hang and leaves the order alone', async () => {
    // Prepare
    const order = sandbox.seedOrder(nextOrderNo());
    sandbox.primary.faults.push('hang');
    const body = signedXml(requestFields(order.out_order_no));

    // Act
    const outcome = await new Promise<string>((resolve) => {
      const outgoing = open(`${sandbox.primary.url}/wxv/cancelbill`, { ...merchant(), timeout: 150 }, () => resolve('answered'));
      outgoing.on('timeout', () => {
        outgoing.destroy();
        resolve('timeout');
      });
      outgoing.on('error', () => resolve('error'));
      outgoing.end(body);
    });

    // Assess
    expect(outcome).toBe('timeout');
    expect(order.state).toBe('CREATED');
  });

  it('processes first and then trickles the reply a byte at a time', async () => {
    // Prepare
    const order = sandbox.seedOrder(nextOrderNo());
    sandbox.primary.faults.push({ kind: 'trickle', delayMs: 0 });
    const body = signedXml(requestFields(order.out_order_no));

    // Act
    const chunks = await new Promise<Buffer[]>((resolve, reject) => {
      const outgoing = open(`${sandbox.primary.url}/wxv/cancelbill`, merchant(), (incoming) => {
        const received: Buffer[] = [];
        incoming.on('data', (chunk: Buffer) => received.push(chunk));
        incoming.on('end', () => resolve(received));
      });
      outgoing.on('error', reject);
      outgoing.end(body);
    });

    // Assess
    expect(chunks.length).toBeGreaterThan(100);
    expect(hasValidSignature((parseXml(Buffer.concat(chunks).toString('utf8')) as { fields: Fields }).fields, sandbox.apiKey)).toBe(true);
    expect(order.state).toBe('REVOKED');
  });

  it('refuses a body over 64 KiB with the nginx 413 page', async () => {
    // Act
    const reply = await post(`${sandbox.primary.url}/wxv/cancelbill`, signedXml(requestFields(nextOrderNo(), { attach: 'x'.repeat(70_000) })));

    // Assess
    expect(reply.status).toBe(413);
  });

  it('counts a reused nonce_str', async () => {
    // Prepare
    const order = sandbox.seedOrder(nextOrderNo(), OrderState.REVOKED);
    const body = signedXml(requestFields(order.out_order_no));
    sandbox.primary.resetStats();

    // Act
    await post(`${sandbox.primary.url}/wxv/cancelbill`, body);
    await post(`${sandbox.primary.url}/wxv/cancelbill`, body);

    // Assess
    expect(sandbox.primary.stats.reusedNonces).toBe(1);
  });

  it('refuses connections while down and serves again after up', async () => {
    // Prepare
    const order = sandbox.seedOrder(nextOrderNo());
    await sandbox.primary.down();

    // Act
    const whileDown = cancel(order.out_order_no).catch((error: unknown) => (error as NodeJS.ErrnoException).code);
    const codeWhileDown = await whileDown;
    await sandbox.primary.up();
    const reply = await cancel(order.out_order_no);

    // Assess
    expect(codeWhileDown).toBe('ECONNREFUSED');
    expect(reply.fields?.result_code).toBe('SUCCESS');
  });
});

describe('sandbox/secrets-server', () => {
  const client = (): SecretsManagerClient =>
    new SecretsManagerClient({ endpoint: sandbox.secrets.url, region: 'eu-west-1', credentials: { accessKeyId: 'AKIAFAKE', secretAccessKey: 'fake' } });

  it('serves the merchant secret to the real SDK by name and by ARN', async () => {
    // Prepare
    const { arn, versionId } = sandbox.storeMerchantSecret('pfx');

    // Act
    const byName = await client().send(new GetSecretValueCommand({ SecretId: sandbox.secretId }));
    const byArn = await client().send(new GetSecretValueCommand({ SecretId: arn }));

    // Assess
    expect(byName).toMatchObject({ ARN: arn, Name: sandbox.secretId, VersionId: versionId, VersionStages: ['AWSCURRENT'] });
    expect(byName.CreatedDate).toBeInstanceOf(Date);
    expect(JSON.parse(byName.SecretString ?? '{}')).toMatchObject({ mch_id: sandbox.mchId, api_key: sandbox.apiKey, pfx_base64: expect.any(String) as string });
    expect(byArn.VersionId).toBe(versionId);
  });

  it.each([
    { name: 'an unknown secret', fault: undefined, secretId: 'nope', errorName: 'ResourceNotFoundException' },
    { name: 'accessDenied', fault: 'accessDenied' as const, secretId: undefined, errorName: 'AccessDeniedException' },
    { name: 'decryptionFailure', fault: 'decryptionFailure' as const, secretId: undefined, errorName: 'DecryptionFailure' },
  ])('maps $name to $errorName', async ({ fault, secretId, errorName }) => {
    // Prepare
    if (fault !== undefined) sandbox.secrets.faults.push(fault);

    // Act
    const attempt = client().send(new GetSecretValueCommand({ SecretId: secretId ?? sandbox.secretId }));

    // Assess
    await expect(attempt).rejects.toMatchObject({ name: errorName });
  });

  it('throttles once and lets the SDK retry', async () => {
    // Prepare
    sandbox.secrets.resetStats();
    sandbox.secrets.faults.push('throttle');

    // Act
    const result = await client().send(new GetSecretValueCommand({ SecretId: sandbox.secretId }));

    // Assess
    expect(result.Name).toBe(sandbox.secretId);
    expect(sandbox.secrets.stats).toEqual({ getSecretValue: 2, bySecret: { [sandbox.secretId]: 2 } });
  });
});

describe('sandbox/index', () => {
  it('gives the function environment pointing at the sandbox', () => {
    // Act
    const env = sandbox.env();

    // Assess
    expect(env).toEqual({
      WECHATPAY_SECRET_ID: sandbox.secretId,
      WECHATPAY_APPID: 'wxd678efh567hg6787',
      WECHATPAY_SERVICE_ID: '2002000000000558128851361561536',
      WECHATPAY_BASE_URL: sandbox.primary.url,
      WECHATPAY_BACKUP_BASE_URL: sandbox.backup.url,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: sandbox.secrets.url,
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'AKIAFAKE',
      AWS_SECRET_ACCESS_KEY: 'fake',
      AWS_EC2_METADATA_DISABLED: 'true',
      NODE_EXTRA_CA_CERTS: sandbox.certs.ca.certPath,
    });
    expect(sandbox.apiKey).toMatch(/^[0-9A-Za-z]{32}$/);
  });
});
