import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { CREATE_API_KEY } from '../../src/cli/operations';
import { startTestApp, type TestApp } from '../helpers/app';
import { bearer } from '../helpers/auth';
import { activeCustomer, seedShop } from '../helpers/customers';
import { engine } from '../helpers/db';
import { asPlatform } from '../helpers/seed';

/**
 * The bridge's byte-exact FastAPI validation output (CONTRACT section 2), pinned request by
 * request over the real legacy routes and their real input classes. Expected bodies are what
 * FastAPI 0.12x / pydantic 2.13 / email-validator 2.3 answer. Routes that need credentials are
 * called with valid ones (a 401 wins over a 422); where a request passes validation, the
 * real route's success answer is asserted.
 *
 * Which real route carries which constraint:
 * - `POST /auth/register` (RegisterInput): the body as a whole, JSON decoding, email reasons,
 *   password length 8..128, model order;
 * - `POST /v1/public/signup` (SignupInput): length 1 (singular), string types, default `plan`;
 * - `PATCH /v1/instances/{instance_id}/pin-policy` (PinPolicyPatchInput, all optional): enum,
 *   list, list items, integer lax mode and bounds, nulls; a UUID path parameter;
 * - `POST /v1/customers/{customer_id}/pin` (SetPinInput): the PIN pattern; UUID path errors;
 * - `POST /v1/instances/{instance_id}/pin/confirm` (ConfirmPinInput): path errors before body errors.
 */
interface Case {
  name: string;
  request: () => InjectOptions;
  status: number;
  /** The exact bytes of the answer (a function when they hold an id known only at run time). */
  body?: string | (() => string);
  headers?: Record<string, string>;
  /** Puts the data in a known state first (the PIN policy is shared by the policy cases). */
  arrange?: () => Promise<LightMyRequestResponse>;
  /** For success answers whose bytes are not fixed (tokens, new ids): what matters of them. */
  check?: (res: LightMyRequestResponse) => Promise<void>;
}

let t: TestApp;
let apiKey: string;
let customerId: string;
let customerToken: string;
let instanceId: string;

const admin = () => ({ 'x-api-key': apiKey });
const send = (method: 'POST' | 'PATCH', url: string, payload: string | Buffer | undefined, headers: Record<string, string>): InjectOptions => ({
  method,
  url,
  ...(payload === undefined ? {} : { payload }),
  headers,
});
const json = (contentType = 'application/json') => ({ 'content-type': contentType });

const register = (payload: string, contentType?: string) => send('POST', '/auth/register', payload, json(contentType));
const signup = (payload: string) => send('POST', '/v1/public/signup', payload, json());
const policy = (payload: string, id = () => instanceId) => () => send('PATCH', `/v1/instances/${id()}/pin-policy`, payload, { ...json(), ...admin() });
const setPin = (payload: string, id = () => customerId) => () => send('POST', `/v1/customers/${id()}/pin`, payload, { ...json(), ...admin() });
const confirmPin = (payload: string, id: string) => () => send('POST', `/v1/instances/${id}/pin/confirm`, payload, { ...json(), ...bearer(customerToken) });

const PASSWORD = 'long enough';
const registerWithEmail = (email: string) => () => register(JSON.stringify({ email, password: PASSWORD }));
const emailError = (value: string, reason: string) =>
  `{"detail":[{"type":"value_error","loc":["body","email"],"msg":"value is not a valid email address: ${reason}","input":${JSON.stringify(value)},"ctx":{"reason":"${reason}"}}]}`;
/** An address /auth/register refuses, and email-validator's reason. */
const emailCase = (name: string, value: string, reason: string): Case => ({ name, request: registerWithEmail(value), status: 422, body: emailError(value, reason) });

const MISSING_BODY = '{"detail":[{"type":"missing","loc":["body"],"msg":"Field required","input":null}]}';
const modelAttributes = (input: string) =>
  `{"detail":[{"type":"model_attributes_type","loc":["body"],"msg":"Input should be a valid dictionary or object to extract fields from","input":${input}}]}`;
const jsonInvalid = (pos: number, reason: string) =>
  `{"detail":[{"type":"json_invalid","loc":["body",${pos}],"msg":"JSON decode error","input":{},"ctx":{"error":"${reason}"}}]}`;

/** A new operator account: the legacy TokenPair, and `/auth/me` knows the stored address. */
const registered = (email: string) => async (res: LightMyRequestResponse) => {
  expect(Object.keys(res.json())).toEqual(['access_token', 'email_verified', 'expires_in', 'refresh_token', 'token_type']);
  expect(res.json()).toMatchObject({ email_verified: false, token_type: 'bearer' });
  const me = await t.app.inject({ method: 'GET', url: '/auth/me', headers: bearer(res.json().access_token) });
  expect(me.json().email).toBe(email);
};

/** The policy the policy cases start from, so their answers are fixed bytes. */
const KNOWN_POLICY = { pin_applies_to: 'all', pin_required_skills: [], pin_session_ttl_minutes: 10 };
const resetPolicy = () => t.app.inject(policy(JSON.stringify(KNOWN_POLICY))());
const policyAnswer = (appliesTo: string, skills: string[], ttl: number) => () =>
  `{"instance_id":"${instanceId}","pin_applies_to":"${appliesTo}","pin_required_skills":${JSON.stringify(skills)},"pin_session_ttl_minutes":${ttl}}`;

const BAD_ID = () => 'not-a-uuid';

const cases: Case[] = [
  // --- the body as a whole -------------------------------------------------------------
  { name: 'no body at all', request: () => ({ method: 'POST', url: '/auth/register' }), status: 422, body: MISSING_BODY },
  { name: 'empty JSON body', request: () => register(''), status: 422, body: MISSING_BODY },
  { name: 'JSON null body', request: () => register('null'), status: 422, body: MISSING_BODY },
  { name: 'empty body on an all-optional model', request: policy(''), status: 422, body: MISSING_BODY },
  { name: 'JSON array body', request: () => register('[1,2]'), status: 422, body: modelAttributes('[1,2]') },
  { name: 'JSON string body', request: () => register('"hi"'), status: 422, body: modelAttributes('"hi"') },
  { name: 'JSON number body', request: () => register('42'), status: 422, body: modelAttributes('42') },
  { name: 'JSON float body keeps Python repr', request: () => register('1.0'), status: 422, body: modelAttributes('1.0') },
  {
    name: 'text/plain body is never parsed',
    request: () => register('{"email":"a@example.com","password":"long enough"}', 'text/plain'),
    status: 422,
    body: modelAttributes('"{\\"email\\":\\"a@example.com\\",\\"password\\":\\"long enough\\"}"'),
  },
  {
    name: 'form body is never parsed',
    request: () => register('email=a%40example.com&password=x', 'application/x-www-form-urlencoded'),
    status: 422,
    body: modelAttributes('"email=a%40example.com&password=x"'),
  },
  {
    name: 'body without a content type is never parsed',
    request: () => ({ method: 'POST', url: '/auth/register', payload: '{"a":1}' }),
    status: 422,
    body: modelAttributes('"{\\"a\\":1}"'),
  },
  {
    name: 'application/*+json is JSON',
    request: () => register('{"email":"a@example.com","password":"long enough"}', 'application/vnd.api+json'),
    status: 200,
    check: registered('a@example.com'),
  },
  {
    name: 'content type parameters are ignored',
    request: () => register('{"email":"b@example.com","password":"long enough"}', 'Application/JSON; charset=utf-8'),
    status: 200,
    check: registered('b@example.com'),
  },
  // --- malformed JSON: Python's position (in code points) and reason --------------------
  { name: 'unclosed object', request: () => register('{'), status: 422, body: jsonInvalid(1, 'Expecting property name enclosed in double quotes') },
  { name: 'missing colon', request: () => register('{"email" "x"}'), status: 422, body: jsonInvalid(9, "Expecting ':' delimiter") },
  { name: 'missing value', request: () => register('{"email":}'), status: 422, body: jsonInvalid(9, 'Expecting value') },
  { name: 'missing comma', request: () => register('{"a":1 "b":2}'), status: 422, body: jsonInvalid(7, "Expecting ',' delimiter") },
  { name: 'trailing data', request: () => register('{"a":1}x'), status: 422, body: jsonInvalid(7, 'Extra data') },
  { name: 'unterminated string', request: () => register('{"a":"abc'), status: 422, body: jsonInvalid(5, 'Unterminated string starting at') },
  { name: 'raw control character', request: () => register('{"a":"a\nb"}'), status: 422, body: jsonInvalid(7, 'Invalid control character at') },
  {
    name: 'trailing comma, position counted in code points',
    request: () => register('{"é😀":1,}'),
    status: 422,
    body: jsonInvalid(8, 'Expecting property name enclosed in double quotes'),
  },
  { name: 'single quotes', request: () => register("{'a':1}"), status: 422, body: jsonInvalid(1, 'Expecting property name enclosed in double quotes') },
  {
    name: 'malformed JSON wins over path errors',
    request: policy('{', BAD_ID),
    status: 422,
    body: jsonInvalid(1, 'Expecting property name enclosed in double quotes'),
  },
  {
    name: 'malformed JSON wins over missing credentials',
    request: () => send('PATCH', `/v1/instances/${instanceId}/pin-policy`, '{', json()),
    status: 422,
    body: jsonInvalid(1, 'Expecting property name enclosed in double quotes'),
  },
  {
    name: 'missing credentials win over an invalid body (401, not 422)',
    request: () => send('PATCH', `/v1/instances/${BAD_ID()}/pin-policy`, '{"pin_session_ttl_minutes":0}', json()),
    status: 401,
    body: '{"detail":"Not authenticated"}',
    headers: { 'www-authenticate': 'Bearer' },
  },
  {
    name: 'bytes that are not UTF-8',
    request: () => send('POST', '/auth/register', Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x7d]), json()),
    status: 400,
    body: '{"detail":"There was an error parsing the body"}',
  },
  // --- missing fields, model order ------------------------------------------------------
  {
    name: 'every missing field at once, input is the whole body',
    request: () => register('{}'),
    status: 422,
    body: '{"detail":[{"type":"missing","loc":["body","email"],"msg":"Field required","input":{}},{"type":"missing","loc":["body","password"],"msg":"Field required","input":{}}]}',
  },
  {
    name: 'missing field echoes the body in its own key order',
    request: () => register('{"zeta":1.5,"2":null,"password":"long enough"}'),
    status: 422,
    body: '{"detail":[{"type":"missing","loc":["body","email"],"msg":"Field required","input":{"zeta":1.5,"2":null,"password":"long enough"}}]}',
  },
  {
    name: 'errors follow the model field order, not the key order',
    request: () => register('{"password":"short","email":"nope"}'),
    status: 422,
    body:
      '{"detail":[{"type":"value_error","loc":["body","email"],"msg":"value is not a valid email address: An email address must have an @-sign.","input":"nope","ctx":{"reason":"An email address must have an @-sign."}},' +
      '{"type":"string_too_short","loc":["body","password"],"msg":"String should have at least 8 characters","input":"short","ctx":{"min_length":8}}]}',
  },
  // --- strings ------------------------------------------------------------------------
  {
    name: 'string too long',
    request: () => register(JSON.stringify({ email: 'a@example.com', password: 'x'.repeat(129) })),
    status: 422,
    body: `{"detail":[{"type":"string_too_long","loc":["body","password"],"msg":"String should have at most 128 characters","input":"${'x'.repeat(129)}","ctx":{"max_length":128}}]}`,
  },
  {
    name: 'length counts code points, not UTF-16 units',
    request: () => register(JSON.stringify({ email: 'a@example.com', password: '😀😀😀😀😀😀😀' })),
    status: 422,
    body: '{"detail":[{"type":"string_too_short","loc":["body","password"],"msg":"String should have at least 8 characters","input":"😀😀😀😀😀😀😀","ctx":{"min_length":8}}]}',
  },
  {
    name: 'minimum of one is singular',
    request: () => signup('{"company_name":"","email":"a@example.com","tenant_slug":"acme"}'),
    status: 422,
    body: '{"detail":[{"type":"string_too_short","loc":["body","company_name"],"msg":"String should have at least 1 character","input":"","ctx":{"min_length":1}}]}',
  },
  {
    name: 'not a string: int, float, bool, null, list, object',
    request: () => signup('{"company_name":1234,"email":1.0,"plan":null,"tenant_slug":[true,{"a":false}]}'),
    status: 422,
    body:
      '{"detail":[{"type":"string_type","loc":["body","company_name"],"msg":"Input should be a valid string","input":1234},' +
      '{"type":"string_type","loc":["body","email"],"msg":"Input should be a valid string","input":1.0},' +
      '{"type":"string_type","loc":["body","plan"],"msg":"Input should be a valid string","input":null},' +
      '{"type":"string_type","loc":["body","tenant_slug"],"msg":"Input should be a valid string","input":[true,{"a":false}]}]}',
  },
  {
    name: 'defaults apply and extra fields are ignored',
    request: () => signup('{"company_name":"Acme","email":"a@example.com","tenant_slug":"acme","extra":"ignored"}'),
    status: 200,
    check: async (res) => {
      const body = res.json();
      expect(Object.keys(body)).toEqual(['customer_id', 'message', 'site_url']);
      expect(body).toMatchObject({ message: 'Check your email to get started', site_url: 'https://acme.sites.acme.example.com' });
      const plan = await t.db('customers').join('plans', 'plans.id', 'customers.plan_id').where('customers.id', body.customer_id).first('plans.name');
      expect(plan.name).toBe('starter');
    },
  },
  {
    name: 'field with a default still checks its length',
    request: () => signup(JSON.stringify({ company_name: 'Acme', email: 'a@example.com', plan: 'p'.repeat(51), tenant_slug: 'acme' })),
    status: 422,
    body: `{"detail":[{"type":"string_too_long","loc":["body","plan"],"msg":"String should have at most 50 characters","input":"${'p'.repeat(51)}","ctx":{"max_length":50}}]}`,
  },
  {
    name: 'non-ASCII is written raw, as ensure_ascii=False does',
    request: () => register('{"email":"a@example.com","password":"ünï"}'),
    status: 422,
    body: '{"detail":[{"type":"string_too_short","loc":["body","password"],"msg":"String should have at least 8 characters","input":"ünï","ctx":{"min_length":8}}]}',
  },
  // --- emails ---------------------------------------------------------------------------
  emailCase('empty email', '', 'An email address must have an @-sign.'),
  emailCase('nothing before @', '@example.com', 'There must be something before the @-sign.'),
  emailCase('nothing after @', 'a@', 'There must be something after the @-sign.'),
  emailCase('no period in domain', 'a@localhost', 'The part after the @-sign is not valid. It should have a period.'),
  emailCase('special-use domain', 'a@shop.test', 'The part after the @-sign is a special-use or reserved name that cannot be used with email.'),
  emailCase('two periods', 'a..b@example.com', 'An email address cannot have two periods in a row.'),
  emailCase('leading period', '.a@example.com', 'An email address cannot start with a period.'),
  emailCase('period before @', 'a.@example.com', 'An email address cannot have a period immediately before the @-sign.'),
  emailCase('period after @', 'a@.example.com', 'An email address cannot have a period immediately after the @-sign.'),
  emailCase('trailing period', 'a@example.com.', 'An email address cannot end with a period.'),
  emailCase('space in local part', 'a b@example.com', 'The email address contains invalid characters before the @-sign: SPACE.'),
  emailCase('underscore in domain', 'a@ex_ample.com', "The part after the @-sign contains invalid characters: '_'."),
  emailCase('numeric top-level domain', 'a@b.co1', 'The part after the @-sign is not valid. It is not within a valid top-level domain.'),
  emailCase('IP address domain', 'user@1.2.3.4', 'The part after the @-sign is not valid. It is not within a valid top-level domain.'),
  emailCase('address one character too long', `${'a'.repeat(64)}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(58)}.com`, 'The email address is too long (1 character too many).'),
  {
    name: 'email normalised: trimmed, domain lower-cased, local part kept',
    request: registerWithEmail('  Alice.Smith@Example.COM '),
    status: 200,
    check: registered('Alice.Smith@example.com'),
  },
  // --- integers, enums, lists, patterns ---------------------------------------------------
  {
    name: 'integer lax mode: numeric string accepted',
    arrange: resetPolicy,
    request: policy('{"pin_session_ttl_minutes":"30"}'),
    status: 200,
    body: policyAnswer('all', [], 30),
  },
  { name: 'integer from whole float', arrange: resetPolicy, request: policy('{"pin_session_ttl_minutes":45.0}'), status: 200, body: policyAnswer('all', [], 45) },
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
    request: setPin('{"pin":"12a4"}'),
    status: 422,
    body: '{"detail":[{"type":"string_pattern_mismatch","loc":["body","pin"],"msg":"String should match pattern \'^\\\\d{4,8}$\'","input":"12a4","ctx":{"pattern":"^\\\\d{4,8}$"}}]}',
  },
  {
    name: 'optional fields accept null as absent',
    arrange: resetPolicy,
    request: policy('{"pin_applies_to":null,"pin_required_skills":null,"pin_session_ttl_minutes":null}'),
    status: 200,
    body: policyAnswer('all', [], 10),
  },
  {
    name: 'valid optional fields pass through',
    arrange: resetPolicy,
    request: policy('{"pin_applies_to":"owner","pin_required_skills":["deploy","backup"]}'),
    status: 200,
    body: policyAnswer('owner', ['deploy', 'backup'], 10),
  },
  // --- path parameters -------------------------------------------------------------------
  {
    name: 'UUID with an invalid character',
    request: setPin('{"pin":"1234"}', BAD_ID),
    status: 422,
    body: '{"detail":[{"type":"uuid_parsing","loc":["path","customer_id"],"msg":"Input should be a valid UUID, invalid character: found `n` at 1","input":"not-a-uuid","ctx":{"error":"invalid character: found `n` at 1"}}]}',
  },
  {
    name: 'UUID of the wrong length',
    request: setPin('{"pin":"1234"}', () => 'abcd'),
    status: 422,
    body: '{"detail":[{"type":"uuid_parsing","loc":["path","customer_id"],"msg":"Input should be a valid UUID, invalid length: expected length 32 for simple format, found 4","input":"abcd","ctx":{"error":"invalid length: expected length 32 for simple format, found 4"}}]}',
  },
  {
    name: 'UUID with four groups, reported before body errors',
    request: confirmPin('{}', '123e4567-e89b-12d3-a456'),
    status: 422,
    body:
      '{"detail":[{"type":"uuid_parsing","loc":["path","instance_id"],"msg":"Input should be a valid UUID, invalid group count: expected 5, found 4","input":"123e4567-e89b-12d3-a456","ctx":{"error":"invalid group count: expected 5, found 4"}},' +
      '{"type":"missing","loc":["body","pin"],"msg":"Field required","input":{}},' +
      '{"type":"missing","loc":["body","skill"],"msg":"Field required","input":{}}]}',
  },
  {
    name: 'upper-case, un-hyphenated UUID is accepted and canonicalised',
    arrange: resetPolicy,
    request: policy('{"pin_session_ttl_minutes":20}', () => instanceId.replace(/-/g, '').toUpperCase()),
    status: 200,
    body: policyAnswer('all', [], 20),
  },
];

describe(`legacy routes: FastAPI-exact validation answers (${engine})`, () => {
  beforeAll(async () => {
    t = await startTestApp();
    await seedShop(t, 'acme');
    const customer = await activeCustomer(t, 'acme', 'owner@widgets.example.com', 'Widgets');
    customerId = customer.customer_id;
    customerToken = customer.access_token;
    instanceId = (await t.db('instances').where({ customer_id: customerId }).first('id')).id;
    apiKey = (await asPlatform<{ createApiKey: { key: string } }>(t, CREATE_API_KEY, { input: { tenantSlug: 'acme', name: 'tests' } })).createApiKey.key;
  });
  afterAll(() => t.close());

  it('pins at least 40 request/response pairs', () => {
    expect(cases.length).toBeGreaterThanOrEqual(40);
  });

  it.each(cases)('$name', async ({ arrange, request, status, body, headers, check }) => {
    expect(body !== undefined || check !== undefined).toBe(true);
    if (arrange) expect((await arrange()).statusCode).toBe(200);
    const res = await t.app.inject(request());
    expect(res.statusCode).toBe(status);
    if (body !== undefined) expect(res.body).toBe(typeof body === 'function' ? body() : body);
    expect(res.headers['content-type']).toBe('application/json');
    for (const [name, value] of Object.entries(headers ?? {})) expect(res.headers[name]).toBe(value);
    if (check) await check(res);
  });
});
