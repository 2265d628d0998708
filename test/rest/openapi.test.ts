import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { MaxLength } from 'class-validator';
import { Arg, buildSchemaSync, Field, InputType, Mutation, Query, Resolver } from 'type-graphql';
import { authChecker } from '../../src/graphql/auth-checker';
import { buildGatewaySchema, gatewayValidateFn } from '../../src/graphql/schema';
import { compileRoutes } from '../../src/rest/bridge';
import { generateOpenApi } from '../../src/rest/openapi';
import { ok, type LegacyRoute } from '../../src/rest/route';
import { legacyRoutes } from '../../src/rest/routes';
import { fromPlain } from '../../src/pydantic/json';
import { validateBody } from '../../src/validation/input-model';
import { startTestApp, type TestApp } from '../helpers/app';

@InputType()
class MutableInput {
  @Field()
  name!: string;
}

@Resolver()
class MutableResolver {
  @Query(() => String)
  ping(): string {
    return 'pong';
  }

  @Mutation(() => String)
  mutate(@Arg('input') input: MutableInput): string {
    return input.name;
  }
}

const mutableRoute: LegacyRoute = {
  method: 'POST',
  path: '/mutable',
  tag: 'Probe',
  summary: 'Mutable',
  body: MutableInput,
  operation: 'mutation($input: MutableInput!) { mutate(input: $input) }',
  variables: ({ body }) => ({ input: body }),
  respond: (data) => ok({ name: data.mutate }),
};

describe('the OpenAPI document', () => {
  let t: TestApp;
  let doc: Record<string, any>;
  beforeAll(async () => {
    t = await startTestApp();
    doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json();
  });
  afterAll(() => t.close());

  it('is valid OpenAPI 3.1 (checked by an OpenAPI schema validator)', () => {
    // The validator is an ES module: it runs in its own node process.
    const script = path.resolve(__dirname, '..', '..', 'scripts', 'validate-openapi.mjs');
    const run = spawnSync(process.execPath, [script, '-'], { input: JSON.stringify(doc), encoding: 'utf8' });
    expect(JSON.parse(run.stdout)).toMatchObject({ valid: true });
    expect(run.status).toBe(0);
    expect(doc.openapi).toBe('3.1.0');
    // And it does reject a broken document.
    const broken = spawnSync(process.execPath, [script, '-'], { input: JSON.stringify({ ...doc, paths: { '/x': { get: { responses: 'nope' } } } }), encoding: 'utf8' });
    expect(broken.status).toBe(1);
  });

  it('documents every route of the table, and nothing else', () => {
    const documented = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
    expect(documented.sort()).toEqual(legacyRoutes.map((r) => `${r.method} ${r.path}`).sort());
  });

  it('carries the constraints, defaults, formats, enums and order of the input types', () => {
    const register = doc.paths['/auth/register'].post.requestBody.content['application/json'].schema;
    expect(register).toMatchObject({ required: ['email', 'password'], properties: { email: { type: 'string', format: 'email' }, password: { minLength: 8, maxLength: 128 } } });
    const signup = doc.paths['/v1/public/signup'].post.requestBody.content['application/json'].schema;
    expect(Object.keys(signup.properties)).toEqual(['company_name', 'email', 'plan', 'tenant_slug', 'locale']);
    expect(signup.properties.plan).toEqual({ type: 'string', maxLength: 50, default: 'starter' });
    const policy = doc.paths['/v1/instances/{instance_id}/pin-policy'].patch.requestBody.content['application/json'].schema;
    expect(policy.properties.pin_applies_to).toEqual({ anyOf: [{ type: 'string', enum: ['all', 'owner', 'customer'] }, { type: 'null' }] });
    expect(policy.properties.pin_required_skills.anyOf[0]).toEqual({ type: 'array', items: { type: 'string', minLength: 1, maxLength: 100 }, maxItems: 100 });
    expect(policy.properties.pin_session_ttl_minutes.anyOf[0]).toEqual({ type: 'integer', minimum: 1, maximum: 1440 });
    const pin = doc.paths['/v1/customers/{customer_id}/pin'].post;
    expect(pin.requestBody.content['application/json'].schema.properties.pin.pattern).toBe('^\\d{4,8}$');
    expect(pin.parameters).toEqual([{ name: 'customer_id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } }]);
  });

  it('documents every status: success shapes in legacy key order, 204s without content, errors and the 422 list', () => {
    const login = doc.paths['/auth/login'].post.responses;
    expect(Object.keys(login['200'].content['application/json'].schema.properties)).toEqual(['access_token', 'email_verified', 'expires_in', 'refresh_token', 'token_type']);
    expect(login['401'].description).toBe('Invalid email or password');
    expect(login['429'].description).toBe('Too many requests');
    expect(login['422'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/HTTPValidationError' });
    expect(doc.paths['/auth/logout'].post.responses['204']).toEqual({ description: 'Successful Response (no content)', headers: expect.any(Object) });
    expect(doc.paths['/v1/customers/{customer_id}/pin'].delete.responses['204'].content).toBeUndefined();
    expect(doc.paths['/v1/customer-auth/login'].post.responses['200'].content['application/json'].schema).toEqual({ type: 'object', properties: {}, additionalProperties: false });
    const plans = doc.paths['/v1/public/signup/plans/{tenant_slug}'].get.responses['200'].content['application/json'].schema;
    expect(plans.type).toBe('array');
    expect(Object.keys(plans.items.properties)).toEqual(['description', 'features', 'name', 'price']);
    expect(doc.paths['/v1/public/signup'].post.responses['503'].description).toBe('No shared hosting capacity available');
  });

  it('has no servers: relative to wherever it is served, as FastAPI (so /docs tries the host the browser is on)', () => {
    expect(doc.servers).toBeUndefined();
  });

  it('shows a request example for every body, one the route itself accepts, against the demo tenant', () => {
    const schema = buildGatewaySchema();
    const withBodies = compileRoutes(schema, legacyRoutes).filter((compiled) => compiled.model);
    expect(withBodies.length).toBeGreaterThan(15);
    for (const { route, model } of withBodies) {
      const documented = doc.paths[route.path][route.method.toLowerCase()].requestBody.content['application/json'].example;
      expect([route.method, route.path, documented]).toEqual([route.method, route.path, route.example]);
      expect([route.path, validateBody(model!, fromPlain(route.example)).ok]).toEqual([route.path, true]);
      if ('tenant_slug' in (route.example ?? {})) expect(route.example?.tenant_slug).toBe('demo');
    }
    expect(doc.paths['/v1/public/signup/plans/{tenant_slug}'].get.parameters[0].example).toBe('demo');
  });

  it('declares the security schemes each route accepts', () => {
    expect(Object.keys(doc.components.securitySchemes)).toEqual(['bearer', 'operatorCookie', 'portalCookie', 'apiKey', 'basic']);
    expect(doc.paths['/auth/token'].post.security).toEqual([{ basic: [] }]);
    expect(doc.paths['/auth/me'].get.security).toEqual([{ bearer: [] }, { operatorCookie: [] }]);
    expect(doc.paths['/v1/customers/{customer_id}/pin'].get.security).toEqual([{ bearer: [] }, { operatorCookie: [] }, { apiKey: [] }]);
    expect(doc.paths['/v1/instances/{instance_id}/pin-policy'].get.security).toEqual([{ bearer: [] }, { operatorCookie: [] }, { portalCookie: [] }, { apiKey: [] }]);
    expect(doc.paths['/v1/public/signup'].post.security).toBeUndefined();
    expect(doc.tags.map((tag: { name: string }) => tag.name)).toEqual(['Auth', 'Customer auth', 'Customer signup', 'PIN confirmation']);
  });

  it('follows a constraint declared on an input type, with no other edit', () => {
    const build = () => buildSchemaSync({ resolvers: [MutableResolver], validateFn: gatewayValidateFn, authChecker });
    const nameSchema = () => {
      const schema = build();
      const document = generateOpenApi(compileRoutes(schema, [mutableRoute]), schema) as Record<string, any>;
      return document.paths['/mutable'].post.requestBody.content['application/json'].schema.properties.name;
    };
    expect(nameSchema()).toEqual({ type: 'string' });
    MaxLength(20)(MutableInput.prototype, 'name'); // a new constraint on the input type...
    expect(nameSchema()).toEqual({ type: 'string', maxLength: 20 }); // ...is in the document
    expect(buildGatewaySchema()).toBeDefined();
  });
});
