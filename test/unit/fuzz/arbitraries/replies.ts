import fc from 'fast-check';

/** Business codes of spec §6 and the outcomes table, plus ones nobody has documented. */
const ERR_CODES = [
  'SYSTEMERROR', 'SYSTEM_ERROR', 'FREQUENCY_LIMITED', 'RATE_LIMITED', 'ORDERNOTEXIST', 'ORDER_NOT_EXIST', 'NOT_EXISTS',
  'PARAM_ERROR', 'INVALID_ORDER_STATE', 'SIGNERROR', 'NOAUTH', 'NO_AUTH', 'INVALID_REQUEST', 'UNDOCUMENTED_CODE', 'lower_case', '',
];
const STATES = ['CREATED', 'USER_ACCEPTED', 'FINISHED', 'USER_PAID', 'REVOKED', 'EXPIRED', 'DOING', ''];
const RETURN_MSGS = ['签名错误', 'sign error', 'XML格式错误', 'System Error', 'OK', '\u0000<script>'];

/**
 * One scripted answer of the fake WeChat Pay. Signed replies are signed with the merchant's key at
 * answer time; `echo: 'other'` names another order than the one asked about.
 */
type Reply = Readonly<
  | { kind: 'signed'; resultCode: 'SUCCESS' | 'FAIL'; errCode: string; state: string; echo: 'same' | 'other' | 'none' }
  | { kind: 'unsigned-fail'; errCode: string }
  | { kind: 'return-fail'; returnMsg: string }
  | { kind: 'http'; status: number; body: string }
  | { kind: 'throw'; failure: 'connect' | 'sent' | 'certificate' }
> & { latencyMs: number };

/** The signed success that answers a valid cancel. */
const SIGNED_SUCCESS: Reply = { kind: 'signed', resultCode: 'SUCCESS', errCode: '', state: 'REVOKED', echo: 'same', latencyMs: 0 };

const latencyMs = fc.oneof({ arbitrary: fc.constant(0), weight: 4 }, fc.integer({ min: 1, max: 12_000 }));

const reply: fc.Arbitrary<Reply> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('signed' as const), resultCode: fc.constant('SUCCESS' as const), errCode: fc.constant(''), state: fc.constantFrom(...STATES), echo: fc.constantFrom('same' as const, 'same' as const, 'other' as const, 'none' as const), latencyMs }), weight: 3 },
  { arbitrary: fc.record({ kind: fc.constant('signed' as const), resultCode: fc.constant('FAIL' as const), errCode: fc.constantFrom(...ERR_CODES), state: fc.constant(''), echo: fc.constant('none' as const), latencyMs }), weight: 4 },
  fc.record({ kind: fc.constant('unsigned-fail' as const), errCode: fc.constantFrom(...ERR_CODES), latencyMs }),
  fc.record({ kind: fc.constant('return-fail' as const), returnMsg: fc.constantFrom(...RETURN_MSGS), latencyMs }),
  fc.record({
    kind: fc.constant('http' as const),
    status: fc.constantFrom(400, 401, 404, 429, 500, 502, 503, 504),
    body: fc.constantFrom('', '<html>400 The SSL certificate error</html>', '<html>No required SSL certificate was sent</html>', 'not xml'),
    latencyMs,
  }),
  fc.record({ kind: fc.constant('throw' as const), failure: fc.constantFrom('connect' as const, 'sent' as const, 'certificate' as const), latencyMs }),
);

/** The answers to successive requests, then one answer repeated for every request after them. */
type ReplyPlan = Readonly<{ steps: readonly Reply[]; then: Reply }>;

const replyPlan: fc.Arbitrary<ReplyPlan> = fc.oneof(
  { arbitrary: fc.constant({ steps: [], then: SIGNED_SUCCESS }), weight: 1 },
  { arbitrary: fc.record({ steps: fc.array(reply, { maxLength: 6 }), then: fc.oneof(fc.constant(SIGNED_SUCCESS), reply) }), weight: 2 },
);

export { replyPlan, SIGNED_SUCCESS };
export type { Reply, ReplyPlan };
