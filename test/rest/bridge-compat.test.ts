import type { FastifyInstance, InjectOptions } from 'fastify';
import { startProbeApp } from '../helpers/probe';

/**
 * The bridge's byte-exact FastAPI output (CONTRACT section 2), pinned request by request.
 * Expected bodies are what FastAPI 0.12x / pydantic 2.13 / email-validator 2.3 answer.
 */
interface Case {
  name: string;
  request: InjectOptions;
  status: number;
  body: string;
  headers?: Record<string, string>;
}

const UUID = '123e4567-e89b-12d3-a456-426614174000';
const json = (method: 'POST' | 'PATCH', url: string, payload: string, contentType = 'application/json'): InjectOptions => ({
  method,
  url,
  payload,
  headers: { 'content-type': contentType },
});
const register = (payload: string, contentType?: string) => json('POST', '/probe/register', payload, contentType);
const signup = (payload: string, id = UUID) => json('POST', `/probe/items/${id}`, payload);
const policy = (payload: string) => json('PATCH', '/probe/policy', payload);
const emailError = (value: string, reason: string) =>
  `{"detail":[{"type":"value_error","loc":["body","email"],"msg":"value is not a valid email address: ${reason}","input":${JSON.stringify(value)},"ctx":{"reason":"${reason}"}}]}`;
const registerWithEmail = (email: string) => register(JSON.stringify({ email, password: 'long enough' }));

const MISSING_BODY = '{"detail":[{"type":"missing","loc":["body"],"msg":"Field required","input":null}]}';
const modelAttributes = (input: string) =>
  `{"detail":[{"type":"model_attributes_type","loc":["body"],"msg":"Input should be a valid dictionary or object to extract fields from","input":${input}}]}`;
const jsonInvalid = (pos: number, reason: string) =>
  `{"detail":[{"type":"json_invalid","loc":["body",${pos}],"msg":"JSON decode error","input":{},"ctx":{"error":"${reason}"}}]}`;

const cases: Case[] = [
  // --- the body as a whole -------------------------------------------------------------
  { name: 'no body at all', request: { method: 'POST', url: '/probe/register' }, status: 422, body: MISSING_BODY },
  { name: 'empty JSON body', request: register(''), status: 422, body: MISSING_BODY },
  { name: 'JSON null body', request: register('null'), status: 422, body: MISSING_BODY },
  { name: 'empty body on an all-optional model', request: policy(''), status: 422, body: MISSING_BODY },
  { name: 'JSON array body', request: register('[1,2]'), status: 422, body: modelAttributes('[1,2]') },
  { name: 'JSON string body', request: register('"hi"'), status: 422, body: modelAttributes('"hi"') },
  { name: 'JSON number body', request: register('42'), status: 422, body: modelAttributes('42') },
  { name: 'JSON float body keeps Python repr', request: register('1.0'), status: 422, body: modelAttributes('1.0') },
  {
    name: 'text/plain body is never parsed',
    request: register('{"email":"a@example.com","password":"long enough"}', 'text/plain'),
    status: 422,
    body: modelAttributes('"{\\"email\\":\\"a@example.com\\",\\"password\\":\\"long enough\\"}"'),
  },
  {
    name: 'form body is never parsed',
    request: register('email=a%40example.com&password=x', 'application/x-www-form-urlencoded'),
    status: 422,
    body: modelAttributes('"email=a%40example.com&password=x"'),
  },
  {
    name: 'body without a content type is never parsed',
    request: { method: 'POST', url: '/probe/register', payload: '{"a":1}' },
    status: 422,
    body: modelAttributes('"{\\"a\\":1}"'),
  },
  {
    name: 'application/*+json is JSON',
    request: register('{"email":"a@example.com","password":"long enough"}', 'application/vnd.api+json'),
    status: 200,
    body: '{"email":"a@example.com","password":"long enough"}',
  },
  {
    name: 'content type parameters are ignored',
    request: register('{"email":"a@example.com","password":"long enough"}', 'Application/JSON; charset=utf-8'),
    status: 200,
    body: '{"email":"a@example.com","password":"long enough"}',
  },
  // --- malformed JSON: Python's position (in code points) and reason --------------------
  { name: 'unclosed object', request: register('{'), status: 422, body: jsonInvalid(1, 'Expecting property name enclosed in double quotes') },
  { name: 'missing colon', request: register('{"email" "x"}'), status: 422, body: jsonInvalid(9, "Expecting ':' delimiter") },
  { name: 'missing value', request: register('{"email":}'), status: 422, body: jsonInvalid(9, 'Expecting value') },
  { name: 'missing comma', request: register('{"a":1 "b":2}'), status: 422, body: jsonInvalid(7, "Expecting ',' delimiter") },
  { name: 'trailing data', request: register('{"a":1}x'), status: 422, body: jsonInvalid(7, 'Extra data') },
  { name: 'unterminated string', request: register('{"a":"abc'), status: 422, body: jsonInvalid(5, 'Unterminated string starting at') },
  { name: 'raw control character', request: register('{"a":"a\nb"}'), status: 422, body: jsonInvalid(7, 'Invalid control character at') },
  { name: 'trailing comma, position counted in code points', request: register('{"é😀":1,}'), status: 422, body: jsonInvalid(8, 'Expecting property name enclosed in double quotes') },
  { name: 'single quotes', request: register("{'a':1}"), status: 422, body: jsonInvalid(1, 'Expecting property name enclosed in double quotes') },
  { name: 'malformed JSON wins over path errors', request: signup('{', 'not-a-uuid'), status: 422, body: jsonInvalid(1, 'Expecting property name enclosed in double quotes') },
  {
    name: 'bytes that are not UTF-8',
    request: { method: 'POST', url: '/probe/register', payload: Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x7d]), headers: { 'content-type': 'application/json' } },
    status: 400,
    body: '{"detail":"There was an error parsing the body"}',
  },
  // --- missing fields, model order ------------------------------------------------------
  {
    name: 'every missing field at once, input is the whole body',
    request: register('{}'),
    status: 422,
    body: '{"detail":[{"type":"missing","loc":["body","email"],"msg":"Field required","input":{}},{"type":"missing","loc":["body","password"],"msg":"Field required","input":{}}]}',
  },
  {
    name: 'missing field echoes the body in its own key order',
    request: register('{"zeta":1.5,"2":null,"password":"long enough"}'),
    status: 422,
    body: '{"detail":[{"type":"missing","loc":["body","email"],"msg":"Field required","input":{"zeta":1.5,"2":null,"password":"long enough"}}]}',
  },
  {
    name: 'errors follow the model field order, not the key order',
    request: register('{"password":"short","email":"nope"}'),
    status: 422,
    body:
      '{"detail":[{"type":"value_error","loc":["body","email"],"msg":"value is not a valid email address: An email address must have an @-sign.","input":"nope","ctx":{"reason":"An email address must have an @-sign."}},' +
      '{"type":"string_too_short","loc":["body","password"],"msg":"String should have at least 8 characters","input":"short","ctx":{"min_length":8}}]}',
  },
  // --- strings ------------------------------------------------------------------------
  {
    name: 'string too long',
    request: register(JSON.stringify({ email: 'a@example.com', password: 'x'.repeat(129) })),
    status: 422,
    body: `{"detail":[{"type":"string_too_long","loc":["body","password"],"msg":"String should have at most 128 characters","input":"${'x'.repeat(129)}","ctx":{"max_length":128}}]}`,
  },
  {
    name: 'length counts code points, not UTF-16 units',
    request: register(JSON.stringify({ email: 'a@example.com', password: '😀😀😀😀😀😀😀' })),
    status: 422,
    body: '{"detail":[{"type":"string_too_short","loc":["body","password"],"msg":"String should have at least 8 characters","input":"😀😀😀😀😀😀😀","ctx":{"min_length":8}}]}',
  },
  {
    name: 'minimum of one is singular',
    request: signup('{"company_name":"","email":"a@example.com","tenant_slug":"acme"}'),
    status: 422,
    body: '{"detail":[{"type":"string_too_short","loc":["body","company_name"],"msg":"String should have at least 1 character","input":"","ctx":{"min_length":1}}]}',
  },
  {
    name: 'not a string: int, float, bool, null, list, object',
    request: signup('{"company_name":1234,"email":1.0,"plan":null,"tenant_slug":[true,{"a":false}]}'),
    status: 422,
    body:
      '{"detail":[{"type":"string_type","loc":["body","company_name"],"msg":"Input should be a valid string","input":1234},' +
      '{"type":"string_type","loc":["body","email"],"msg":"Input should be a valid string","input":1.0},' +
      '{"type":"string_type","loc":["body","plan"],"msg":"Input should be a valid string","input":null},' +
      '{"type":"string_type","loc":["body","tenant_slug"],"msg":"Input should be a valid string","input":[true,{"a":false}]}]}',
  },
  {
    name: 'defaults apply and extra fields are ignored',
    request: signup('{"company_name":"Acme","email":"a@example.com","tenant_slug":"acme","extra":"ignored"}'),
    status: 200,
    body: `{"itemId":"${UUID}","companyName":"Acme","email":"a@example.com","plan":"starter","tenantSlug":"acme"}`,
  },
  {
    name: 'field with a default still checks its length',
    request: signup(JSON.stringify({ company_name: 'Acme', email: 'a@example.com', plan: 'p'.repeat(51), tenant_slug: 'acme' })),
    status: 422,
    body: `{"detail":[{"type":"string_too_long","loc":["body","plan"],"msg":"String should have at most 50 characters","input":"${'p'.repeat(51)}","ctx":{"max_length":50}}]}`,
  },
  {
    name: 'non-ASCII is written raw, as ensure_ascii=False does',
    request: register('{"email":"a@example.com","password":"ünï"}'),
    status: 422,
    body: '{"detail":[{"type":"string_too_short","loc":["body","password"],"msg":"String should have at least 8 characters","input":"ünï","ctx":{"min_length":8}}]}',
  },
  // --- emails ---------------------------------------------------------------------------
  { name: 'empty email', request: registerWithEmail(''), status: 422, body: emailError('', 'An email address must have an @-sign.') },
  { name: 'nothing before @', request: registerWithEmail('@example.com'), status: 422, body: emailError('@example.com', 'There must be something before the @-sign.') },
  { name: 'nothing after @', request: registerWithEmail('a@'), status: 422, body: emailError('a@', 'There must be something after the @-sign.') },
  { name: 'no period in domain', request: registerWithEmail('a@localhost'), status: 422, body: emailError('a@localhost', 'The part after the @-sign is not valid. It should have a period.') },
  { name: 'special-use domain', request: registerWithEmail('a@shop.test'), status: 422, body: emailError('a@shop.test', 'The part after the @-sign is a special-use or reserved name that cannot be used with email.') },
  { name: 'two periods', request: registerWithEmail('a..b@example.com'), status: 422, body: emailError('a..b@example.com', 'An email address cannot have two periods in a row.') },
  { name: 'leading period', request: registerWithEmail('.a@example.com'), status: 422, body: emailError('.a@example.com', 'An email address cannot start with a period.') },
  { name: 'period before @', request: registerWithEmail('a.@example.com'), status: 422, body: emailError('a.@example.com', 'An email address cannot have a period immediately before the @-sign.') },
  { name: 'period after @', request: registerWithEmail('a@.example.com'), status: 422, body: emailError('a@.example.com', 'An email address cannot have a period immediately after the @-sign.') },
  { name: 'trailing period', request: registerWithEmail('a@example.com.'), status: 422, body: emailError('a@example.com.', 'An email address cannot end with a period.') },
  { name: 'space in local part', request: registerWithEmail('a b@example.com'), status: 422, body: emailError('a b@example.com', 'The email address contains invalid characters before the @-sign: SPACE.') },
  { name: 'underscore in domain', request: registerWithEmail('a@ex_ample.com'), status: 422, body: emailError('a@ex_ample.com', "The part after the @-sign contains invalid characters: '_'.") },
  { name: 'numeric top-level domain', request: registerWithEmail('a@b.co1'), status: 422, body: emailError('a@b.co1', 'The part after the @-sign is not valid. It is not within a valid top-level domain.') },
  { name: 'IP address domain', request: registerWithEmail('user@1.2.3.4'), status: 422, body: emailError('user@1.2.3.4', 'The part after the @-sign is not valid. It is not within a valid top-level domain.') },
  {
    name: 'address one character too long',
    request: registerWithEmail(`${'a'.repeat(64)}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(58)}.com`),
    status: 422,
    body: emailError(`${'a'.repeat(64)}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(58)}.com`, 'The email address is too long (1 character too many).'),
  },
  {
    name: 'email normalised: trimmed, domain lower-cased, local part kept',
    request: registerWithEmail('  Alice.Smith@Example.COM '),
    status: 200,
    body: '{"email":"Alice.Smith@example.com","password":"long enough"}',
  },
  // --- integers, enums, lists, patterns ---------------------------------------------------
  {
    name: 'integer lax mode: numeric string and whole float accepted',
    request: policy('{"pin_session_ttl_minutes":"30"}'),
    status: 200,
    body: '{"pinSessionTtlMinutes":30}',
  },
  { name: 'integer from whole float', request: policy('{"pin_session_ttl_minutes":45.0}'), status: 200, body: '{"pinSessionTtlMinutes":45}' },
  {
    name: 'integer errors: parsing, fraction, type',
    request: policy('{"pin_applies_to":"everyone","pin_required_skills":"deploy","pin_session_ttl_minutes":1.5}'),
    status: 422,
    body:
      `{"detail":[{"type":"enum","loc":["body","pin_applies_to"],"msg":"Input should be 'all', 'owner' or 'customer'","input":"everyone","ctx":{"expected":"'all', 'owner' or 'customer'"}},` +
      '{"type":"list_type","loc":["body","pin_required_skills"],"msg":"Input should be a valid list","input":"deploy"},' +
      '{"type":"int_from_float","loc":["body","pin_session_ttl_minutes"],"msg":"Input should be a valid integer, got a number with a fractional part","input":1.5}]}',
  },
  {
    name: 'integer from a non-numeric string',
    request: policy('{"pin_session_ttl_minutes":"soon"}'),
    status: 422,
    body: '{"detail":[{"type":"int_parsing","loc":["body","pin_session_ttl_minutes"],"msg":"Input should be a valid integer, unable to parse string as an integer","input":"soon"}]}',
  },
  {
    name: 'integer from a list',
    request: policy('{"pin_session_ttl_minutes":[30]}'),
    status: 422,
    body: '{"detail":[{"type":"int_type","loc":["body","pin_session_ttl_minutes"],"msg":"Input should be a valid integer","input":[30]}]}',
  },
  {
    name: 'integer below the minimum',
    request: policy('{"pin_session_ttl_minutes":0}'),
    status: 422,
    body: '{"detail":[{"type":"greater_than_equal","loc":["body","pin_session_ttl_minutes"],"msg":"Input should be greater than or equal to 1","input":0,"ctx":{"ge":1}}]}',
  },
  {
    name: 'integer above the maximum (as a string)',
    request: policy('{"pin_session_ttl_minutes":"1441"}'),
    status: 422,
    body: '{"detail":[{"type":"less_than_equal","loc":["body","pin_session_ttl_minutes"],"msg":"Input should be less than or equal to 1440","input":"1441","ctx":{"le":1440}}]}',
  },
  {
    name: 'enum given a number',
    request: policy('{"pin_applies_to":1}'),
    status: 422,
    body: `{"detail":[{"type":"enum","loc":["body","pin_applies_to"],"msg":"Input should be 'all', 'owner' or 'customer'","input":1,"ctx":{"expected":"'all', 'owner' or 'customer'"}}]}`,
  },
  {
    name: 'list items carry their index',
    request: policy(JSON.stringify({ pin_required_skills: ['deploy', '', 7, 's'.repeat(101)] })),
    status: 422,
    body:
      '{"detail":[{"type":"string_too_short","loc":["body","pin_required_skills",1],"msg":"String should have at least 1 character","input":"","ctx":{"min_length":1}},' +
      '{"type":"string_type","loc":["body","pin_required_skills",2],"msg":"Input should be a valid string","input":7},' +
      `{"type":"string_too_long","loc":["body","pin_required_skills",3],"msg":"String should have at most 100 characters","input":"${'s'.repeat(101)}","ctx":{"max_length":100}}]}`,
  },
  {
    name: 'list longer than allowed',
    request: policy(JSON.stringify({ pin_required_skills: Array.from({ length: 101 }, () => 'x') })),
    status: 422,
    body: `{"detail":[{"type":"too_long","loc":["body","pin_required_skills"],"msg":"List should have at most 100 items after validation, not 101","input":${JSON.stringify(Array.from({ length: 101 }, () => 'x'))},"ctx":{"field_type":"List","max_length":100,"actual_length":101}}]}`,
  },
  {
    name: 'pattern mismatch',
    request: policy('{"pin":"12a4"}'),
    status: 422,
    body: '{"detail":[{"type":"string_pattern_mismatch","loc":["body","pin"],"msg":"String should match pattern \'^\\\\d{4,8}$\'","input":"12a4","ctx":{"pattern":"^\\\\d{4,8}$"}}]}',
  },
  {
    name: 'optional fields accept null as absent',
    request: policy('{"pin_applies_to":null,"pin_required_skills":null,"pin_session_ttl_minutes":null,"pin":null}'),
    status: 200,
    body: '{}',
  },
  {
    name: 'valid optional fields pass through',
    request: policy('{"pin_applies_to":"owner","pin_required_skills":["deploy","backup"],"pin":"1234"}'),
    status: 200,
    body: '{"pinAppliesTo":"owner","pinRequiredSkills":["deploy","backup"],"pin":"1234"}',
  },
  // --- path parameters -------------------------------------------------------------------
  {
    name: 'UUID with an invalid character',
    request: signup('{"company_name":"Acme","email":"a@example.com","tenant_slug":"acme"}', 'not-a-uuid'),
    status: 422,
    body: '{"detail":[{"type":"uuid_parsing","loc":["path","item_id"],"msg":"Input should be a valid UUID, invalid character: found `n` at 1","input":"not-a-uuid","ctx":{"error":"invalid character: found `n` at 1"}}]}',
  },
  {
    name: 'UUID of the wrong length',
    request: signup('{"company_name":"Acme","email":"a@example.com","tenant_slug":"acme"}', 'abcd'),
    status: 422,
    body: '{"detail":[{"type":"uuid_parsing","loc":["path","item_id"],"msg":"Input should be a valid UUID, invalid length: expected length 32 for simple format, found 4","input":"abcd","ctx":{"error":"invalid length: expected length 32 for simple format, found 4"}}]}',
  },
  {
    name: 'UUID with four groups, reported before body errors',
    request: signup('{}', '123e4567-e89b-12d3-a456'),
    status: 422,
    body:
      '{"detail":[{"type":"uuid_parsing","loc":["path","item_id"],"msg":"Input should be a valid UUID, invalid group count: expected 5, found 4","input":"123e4567-e89b-12d3-a456","ctx":{"error":"invalid group count: expected 5, found 4"}},' +
      '{"type":"missing","loc":["body","company_name"],"msg":"Field required","input":{}},' +
      '{"type":"missing","loc":["body","email"],"msg":"Field required","input":{}},' +
      '{"type":"missing","loc":["body","tenant_slug"],"msg":"Field required","input":{}}]}',
  },
  {
    name: 'upper-case, un-hyphenated UUID is accepted and canonicalised',
    request: signup('{"company_name":"Acme","email":"a@example.com","tenant_slug":"acme"}', '123E4567E89B12D3A456426614174000'),
    status: 200,
    body: `{"itemId":"${UUID}","companyName":"Acme","email":"a@example.com","plan":"starter","tenantSlug":"acme"}`,
  },
  // --- routing, limits and errors ---------------------------------------------------------
  { name: 'unknown route', request: { method: 'GET', url: '/nowhere' }, status: 404, body: '{"detail":"Not Found"}' },
  {
    name: 'wrong method lists the allowed ones',
    request: { method: 'GET', url: '/probe/register' },
    status: 405,
    body: '{"detail":"Method Not Allowed"}',
    headers: { allow: 'POST' },
  },
  {
    name: 'body over 1 MiB',
    request: register(JSON.stringify({ email: 'a@example.com', password: 'x'.repeat(1024 * 1024) })),
    status: 413,
    body: '{"detail":"Request body too large"}',
  },
  { name: 'domain error from the resolver', request: { method: 'GET', url: '/probe/fail/domain' }, status: 404, body: '{"detail":"Tenant not found"}' },
  { name: 'unexpected error is masked', request: { method: 'GET', url: '/probe/fail/crash' }, status: 500, body: '{"detail":"Internal Server Error"}' },
  { name: 'bare GraphQL error is masked too', request: { method: 'GET', url: '/probe/fail/graphql' }, status: 500, body: '{"detail":"Internal Server Error"}' },
];

describe('REST bridge: FastAPI-exact responses', () => {
  let app: FastifyInstance;
  const logLines: string[] = [];

  beforeAll(async () => {
    app = await startProbeApp({ write: (line: string) => logLines.push(line) } as unknown as NodeJS.WritableStream);
  });
  afterAll(() => app.close());

  it('pins at least 40 request/response pairs', () => {
    expect(cases.length).toBeGreaterThanOrEqual(40);
  });

  it.each(cases)('$name', async ({ request, status, body, headers }) => {
    const res = await app.inject(request);
    expect(res.statusCode).toBe(status);
    expect(res.body).toBe(body);
    expect(res.headers['content-type']).toBe('application/json');
    for (const [name, value] of Object.entries(headers ?? {})) expect(res.headers[name]).toBe(value);
  });

  it('redirects a trailing slash like FastAPI (307)', async () => {
    const res = await app.inject({ method: 'POST', url: '/probe/register/?x=1', headers: { host: 'api.example.com' } });
    expect(res.statusCode).toBe(307);
    expect(res.headers.location).toBe('http://api.example.com/probe/register?x=1');
  });

  it('logs a masked error with its request id and never sends the message', async () => {
    const res = await app.inject({ method: 'GET', url: '/probe/fail/crash' });
    expect(res.body).not.toContain('hunter2');
    const entry = logLines.map((l) => JSON.parse(l)).find((l) => l.msg === 'unexpected error in REST operation');
    expect(entry).toBeDefined();
    expect(entry.reqId).toEqual(expect.any(String));
    expect(entry.err.message).toContain('hunter2');
  });
});
