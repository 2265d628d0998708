import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Fastify from 'fastify';
import { Kind, parse, specifiedRules, validate, type OperationDefinitionNode } from 'graphql';
import * as generated from '../../client/generated/graphql';
import { ConfigError, loadConfig } from '../../src/config';
import { graphqlProtection } from '../../src/graphql/limits';
import { buildGatewaySchema } from '../../src/graphql/schema';
import { trustedDocuments } from '../../src/graphql/trusted-documents';
import { startTestApp, testConfig, type TestApp } from '../helpers/app';
import { bearer, PASSWORD, post, registerOperator } from '../helpers/auth';
import { seedShop } from '../helpers/customers';
import { engine } from '../helpers/db';

/**
 * Trusted documents (docs/trusted-documents.md): `/graphql` runs a document of the manifest
 * `npm run codegen` writes when asked for by `documentId`, and under GRAPHQL_TRUSTED_ONLY
 * nothing else. The manifest is the committed one, read here: no id is written in this file.
 */
const MANIFEST = path.resolve(__dirname, '..', '..', 'client', 'generated', 'persisted-documents.json');
const manifest: Record<string, string> = JSON.parse(readFileSync(MANIFEST, 'utf8'));

const operationOf = (document: string): OperationDefinitionNode => {
  const operations = parse(document).definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  if (operations.length !== 1) throw new Error(`a persisted document holds one operation: ${document}`);
  return operations[0];
};

/** The manifest's id of the operation with this name. */
function idOf(name: string): string {
  const found = Object.entries(manifest).find(([, document]) => operationOf(document).name?.value === name);
  if (!found) throw new Error(`no operation ${name} in ${MANIFEST}`);
  return found[0];
}

const graphqlError = (code: string, message: string) => ({ errors: [{ message, extensions: { code } }] });
const NOT_FOUND = graphqlError('PERSISTED_DOCUMENT_NOT_FOUND', 'Unknown documentId: no trusted document has this id');
const REQUIRED = graphqlError('TRUSTED_DOCUMENT_REQUIRED', 'Only trusted documents are accepted: send the documentId of an operation in the manifest');
const PLANS = [
  { name: 'starter', description: '', price: '9.99', features: [] },
  { name: 'pro', description: '', price: '29.99', features: [] },
];
const AD_HOC = '{ publicPlans(tenantSlug: "acme") { name } }';
// A GET needs a header a browser cannot send cross-site without a preflight (Apollo's CSRF prevention).
const PREFLIGHT = { 'apollo-require-preflight': 'true' };

const getUrl = (params: Record<string, string>) => `/graphql?${new URLSearchParams(params)}`;

describe('the committed manifest (client/generated/persisted-documents.json)', () => {
  it('names each document by "sha256:" and the hex SHA-256 of its text', () => {
    expect(Object.keys(manifest).length).toBeGreaterThan(0);
    for (const [id, document] of Object.entries(manifest)) {
      expect(id).toBe(`sha256:${createHash('sha256').update(document).digest('hex')}`);
    }
  });

  it('holds the frontend operations of every area', () => {
    const names = Object.values(manifest).map((document) => operationOf(document).name?.value);
    expect(names).toEqual(
      expect.arrayContaining(['Login', 'Me', 'Refresh', 'Logout', 'CustomerLogin', 'CustomerVerify', 'PortalMe', 'CustomerRefresh', 'CustomerLogout', 'PublicPlans', 'Signup', 'SignupVerify', 'Customers', 'Instances', 'Plans', 'Members']),
    );
  });

  it('is what the typed documents send: each carries its manifest id (`__meta__.hash`)', () => {
    const documents = Object.entries(generated).filter(([name]) => name.endsWith('Document'));
    expect(documents.length).toBe(Object.keys(manifest).length);
    for (const [name, document] of documents) {
      const id = (document as unknown as { __meta__: { hash: string } }).__meta__.hash;
      expect(operationOf(manifest[id]).name?.value).toBe(name.replace(/Document$/, ''));
    }
  });

  it('every document validates against the gateway schema, with the gateway limits', () => {
    const schema = buildGatewaySchema();
    const rules = [...specifiedRules, ...graphqlProtection(testConfig().graphql).validationRules];
    const failures = Object.entries(manifest).flatMap(([id, document]) => validate(schema, parse(document), rules).map((error) => `${operationOf(document).name?.value} (${id}): ${error.message}`));
    expect(failures).toEqual([]);
  });
});

describe(`trusted documents at /graphql (${engine})`, () => {
  let listed: TestApp;
  let only: TestApp;
  let off: TestApp;
  beforeAll(async () => {
    listed = await startTestApp({ GRAPHQL_TRUSTED_DOCUMENTS: MANIFEST });
    // GraphiQL asked for explicitly: trusted-only turns it off anyway.
    only = await startTestApp({ GRAPHQL_TRUSTED_DOCUMENTS: MANIFEST, GRAPHQL_TRUSTED_ONLY: 'true', GRAPHIQL_ENABLED: 'true' });
    off = await startTestApp();
    for (const t of [listed, only, off]) await seedShop(t, 'acme');
  });
  afterAll(async () => {
    await listed.close();
    await only.close();
    await off.close();
  });

  describe('GRAPHQL_TRUSTED_DOCUMENTS set', () => {
    it('runs a query named by documentId (POST)', async () => {
      const res = await listed.app.inject({ method: 'POST', url: '/graphql', payload: { documentId: idOf('PublicPlans'), variables: { tenantSlug: 'acme' } } });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ data: { publicPlans: PLANS } });
    });

    it('takes the bare hex digest as the same id', async () => {
      const bare = idOf('PublicPlans').replace(/^sha256:/, '');
      const res = await listed.app.inject({ method: 'POST', url: '/graphql', payload: { documentId: bare, variables: { tenantSlug: 'acme' } } });
      expect(res.json()).toEqual({ data: { publicPlans: PLANS } });
    });

    it('runs a query named by documentId over GET, with its variables and operation name', async () => {
      const url = getUrl({ documentId: idOf('PublicPlans'), variables: JSON.stringify({ tenantSlug: 'acme' }), operationName: 'PublicPlans' });
      const res = await listed.app.inject({ method: 'GET', url, headers: PREFLIGHT });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ data: { publicPlans: PLANS } });
    });

    it('signs an operator in, and reads the session, by documentId', async () => {
      await registerOperator(listed, 'ada@example.com');
      const login = await listed.app.inject({ method: 'POST', url: '/graphql', payload: { documentId: idOf('Login'), variables: { input: { email: 'ada@example.com', password: PASSWORD } } } });
      expect(login.statusCode).toBe(200);
      const tokens = login.json().data.login;
      expect(tokens).toMatchObject({ tokenType: 'bearer', emailVerified: false, accessToken: expect.any(String), refreshToken: expect.any(String) });
      const me = await listed.app.inject({ method: 'POST', url: '/graphql', payload: { documentId: idOf('Me') }, headers: bearer(tokens.accessToken) });
      expect(me.json().data.me).toMatchObject({ email: 'ada@example.com', emailVerified: false, tenants: [] });
    });

    it('a document named by id passes the same checks as one sent as text (a mutation over GET is refused)', async () => {
      const url = getUrl({ documentId: idOf('Login'), variables: JSON.stringify({ input: { email: 'ada@example.com', password: PASSWORD } }) });
      const res = await listed.app.inject({ method: 'GET', url, headers: PREFLIGHT });
      expect(res.statusCode).toBe(405);
      expect(res.json().errors[0].extensions.code).toBe('BAD_REQUEST');
    });

    it('answers 400 PERSISTED_DOCUMENT_NOT_FOUND for an id not in the manifest, POST or GET', async () => {
      const unknown = `sha256:${'0'.repeat(64)}`;
      const viaPost = await listed.app.inject({ method: 'POST', url: '/graphql', payload: { documentId: unknown } });
      expect(viaPost.statusCode).toBe(400);
      expect(viaPost.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(viaPost.json()).toEqual(NOT_FOUND);
      const viaGet = await listed.app.inject({ method: 'GET', url: getUrl({ documentId: 'nope' }), headers: PREFLIGHT });
      expect(viaGet.statusCode).toBe(400);
      expect(viaGet.json()).toEqual(NOT_FOUND);
    });

    it('refuses documentId together with query, and a documentId that is not a string (400 BAD_REQUEST)', async () => {
      const both = await listed.app.inject({ method: 'POST', url: '/graphql', payload: { documentId: idOf('Me'), query: '{ me { id } }' } });
      expect(both.statusCode).toBe(400);
      expect(both.json()).toEqual(graphqlError('BAD_REQUEST', 'Send either `documentId` or `query`, not both.'));
      const numeric = await listed.app.inject({ method: 'POST', url: '/graphql', payload: { documentId: 42 } });
      expect(numeric.statusCode).toBe(400);
      expect(numeric.json()).toEqual(graphqlError('BAD_REQUEST', '`documentId` must be a string.'));
    });

    it('still runs ad-hoc queries (trusted-only is off)', async () => {
      const res = await listed.app.inject({ method: 'POST', url: '/graphql', payload: { query: AD_HOC } });
      expect(res.json()).toEqual({ data: { publicPlans: [{ name: 'starter' }, { name: 'pro' }] } });
    });
  });

  describe('GRAPHQL_TRUSTED_ONLY=true', () => {
    it('refuses an ad-hoc query, POST or GET: 400 TRUSTED_DOCUMENT_REQUIRED, shaped like Apollo errors', async () => {
      const viaPost = await only.app.inject({ method: 'POST', url: '/graphql', payload: { query: AD_HOC } });
      expect(viaPost.statusCode).toBe(400);
      expect(viaPost.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(viaPost.json()).toEqual(REQUIRED);
      const viaGet = await only.app.inject({ method: 'GET', url: getUrl({ query: AD_HOC }), headers: PREFLIGHT });
      expect(viaGet.statusCode).toBe(400);
      expect(viaGet.json()).toEqual(REQUIRED);
    });

    it('refuses a query text that differs from a manifest document only in spacing', async () => {
      const document = manifest[idOf('PublicPlans')];
      const res = await only.app.inject({ method: 'POST', url: '/graphql', payload: { query: `${document}\n`, variables: { tenantSlug: 'acme' } } });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual(REQUIRED);
    });

    it('runs a document by documentId', async () => {
      const res = await only.app.inject({ method: 'POST', url: '/graphql', payload: { documentId: idOf('PublicPlans'), variables: { tenantSlug: 'acme' } } });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ data: { publicPlans: PLANS } });
    });

    it('runs a query whose text is exactly a manifest document (as Apollo safelisting does)', async () => {
      const res = await only.app.inject({ method: 'POST', url: '/graphql', payload: { query: manifest[idOf('PublicPlans')], variables: { tenantSlug: 'acme' } } });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ data: { publicPlans: PLANS } });
    });

    it('leaves the legacy REST routes working (they run their own fixed operations)', async () => {
      const plans = await only.app.inject({ method: 'GET', url: '/v1/public/signup/plans/acme' });
      expect(plans.statusCode).toBe(200);
      expect(plans.json()).toEqual(PLANS);
      await registerOperator(only, 'grace@example.com');
      const login = await post(only, '/auth/login', { email: 'grace@example.com', password: PASSWORD });
      expect(login.statusCode).toBe(200);
      const me = await only.app.inject({ method: 'GET', url: '/auth/me', headers: bearer(login.json().access_token) });
      expect(me.statusCode).toBe(200);
      expect(me.json()).toMatchObject({ email: 'grace@example.com' });
    });

    it('turns GraphiQL off even when GRAPHIQL_ENABLED=true: /graphiql is 404', async () => {
      expect(only.config.graphiql).toBe(false);
      const res = await only.app.inject({ method: 'GET', url: '/graphiql' });
      expect(res.statusCode).toBe(404);
      expect(res.body).toBe('{"detail":"Not Found"}');
      expect((await listed.app.inject({ method: 'GET', url: '/graphiql' })).statusCode).toBe(200);
    });
  });

  it('fails closed: an app whose /graphql route existed before the step was added does not start', async () => {
    const app = Fastify();
    app.post('/graphql', async () => 'unguarded');
    trustedDocuments(app, { file: MANIFEST, documents: new Map(Object.entries(manifest)), only: true });
    await expect(app.ready()).rejects.toThrow(/trusted documents: no route at \/graphql/);
    await app.close();
  });

  describe('GRAPHQL_TRUSTED_DOCUMENTS unset (the default)', () => {
    it('refuses documentId as Apollo does a request without a query: 400 BAD_REQUEST', async () => {
      const res = await off.app.inject({ method: 'POST', url: '/graphql', payload: { documentId: idOf('PublicPlans'), variables: { tenantSlug: 'acme' } } });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual(graphqlError('BAD_REQUEST', 'GraphQL operations must contain a non-empty `query` or a `persistedQuery` extension.'));
    });
  });
});

describe('trusted-documents configuration', () => {
  const problemsOf = (env: Record<string, string>): string[] => {
    try {
      loadConfig(env);
    } catch (error) {
      if (error instanceof ConfigError) return error.problems;
      throw error;
    }
    return [];
  };
  const dir = mkdtempSync(path.join(tmpdir(), 'trusted-documents-'));
  const file = (name: string, content: string): string => {
    const full = path.join(dir, name);
    writeFileSync(full, content);
    return full;
  };

  it('is off by default, and reads the manifest when named', () => {
    expect(loadConfig({}).trustedDocuments).toBeUndefined();
    const config = loadConfig({ GRAPHQL_TRUSTED_DOCUMENTS: MANIFEST });
    expect(config.trustedDocuments).toMatchObject({ file: MANIFEST, only: false });
    expect(config.trustedDocuments?.documents.size).toBe(Object.keys(manifest).length);
    expect(config.graphiql).toBe(true);
  });

  it('refuses GRAPHQL_TRUSTED_ONLY=true without a manifest, naming both variables', () => {
    expect(problemsOf({ GRAPHQL_TRUSTED_ONLY: 'true' })).toEqual([expect.stringMatching(/^GRAPHQL_TRUSTED_ONLY=true needs GRAPHQL_TRUSTED_DOCUMENTS: /)]);
  });

  it.each([
    ['a file that does not exist', () => path.join(dir, 'missing.json'), /^GRAPHQL_TRUSTED_DOCUMENTS names a file that cannot be read: .*missing\.json \(ENOENT\)$/],
    ['a file that is not JSON', () => file('broken.json', '{"sha256:abc": "query { me { id } }",\n'), /^GRAPHQL_TRUSTED_DOCUMENTS is not valid JSON: .*broken\.json \(/],
    ['a JSON list', () => file('list.json', '["query { me { id } }"]'), /^GRAPHQL_TRUSTED_DOCUMENTS must name a JSON object of document id to document text/],
    ['an object whose values are not documents', () => file('numbers.json', '{"sha256:abc": 1}'), /^GRAPHQL_TRUSTED_DOCUMENTS must name a JSON object of document id to document text/],
    ['an empty object', () => file('empty.json', '{}'), /^GRAPHQL_TRUSTED_DOCUMENTS must name a JSON object of document id to document text/],
  ])('stops the start on %s with one line naming GRAPHQL_TRUSTED_DOCUMENTS', (_case, name, message) => {
    for (const only of ['false', 'true']) {
      const problems = problemsOf({ GRAPHQL_TRUSTED_DOCUMENTS: name(), GRAPHQL_TRUSTED_ONLY: only });
      expect(problems).toEqual([expect.stringMatching(message)]);
      expect(problems[0]).not.toContain('\n');
    }
  });
});
