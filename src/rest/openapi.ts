import { COOKIE_NAMES } from '../lib/cookies';
import {
  getNamedType,
  GraphQLEnumType,
  GraphQLList,
  GraphQLNonNull,
  GraphQLObjectType,
  GraphQLScalarType,
  Kind,
  type FieldNode,
  type GraphQLOutputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { Role } from '../graphql/auth-checker';
import { ERRORS, isErrorCode } from '../lib/errors';
import type { FieldRule, InputModel } from '../validation/input-model';
import type { CompiledRoute } from './bridge';

/**
 * OpenAPI 3.1 for the legacy REST surface, generated from the same compiled route table
 * and input models the bridge serves: a constraint changed on an input type changes the
 * document, and no route can be served undocumented or documented unserved.
 */
type Schema = Record<string, unknown>;

const TAG_DESCRIPTIONS: Record<string, string> = {
  Auth: 'Operator accounts: email and password, tokens, verification and resets.',
  'Customer auth': 'Passwordless login for customers of a tenant (a 6-digit code by mail).',
  'Customer signup': 'Public signup: a customer is placed on a shared hosting node.',
  'PIN confirmation': 'PINs that sensitive actions on an instance can require.',
};

function ruleSchema(rule: FieldRule['rule']): Schema {
  switch (rule.kind) {
    case 'string': {
      const schema: Schema = { type: 'string' };
      if (rule.email) schema.format = 'email';
      if (rule.minLength !== undefined) schema.minLength = rule.minLength;
      if (rule.maxLength !== undefined) schema.maxLength = rule.maxLength;
      if (rule.pattern) schema.pattern = rule.pattern.source;
      return schema;
    }
    case 'int': {
      const schema: Schema = { type: 'integer' };
      if (rule.ge !== undefined) schema.minimum = rule.ge;
      if (rule.le !== undefined) schema.maximum = rule.le;
      return schema;
    }
    case 'bool':
      return { type: 'boolean' };
    case 'enum':
      return { type: 'string', enum: rule.values };
    case 'list': {
      const schema: Schema = { type: 'array', items: ruleSchema(rule.item) };
      if (rule.maxItems !== undefined) schema.maxItems = rule.maxItems;
      return schema;
    }
  }
}

/** The body model as JSON Schema, in model order (the order of the 422 list). */
export function modelSchema(model: InputModel): Schema {
  const properties: Record<string, Schema> = {};
  for (const field of model.fields) {
    const schema = ruleSchema(field.rule);
    properties[field.restName] = field.nullable ? { anyOf: [schema, { type: 'null' }] } : schema;
    if (field.defaultValue !== undefined) properties[field.restName].default = field.defaultValue;
  }
  const required = model.fields.filter((f) => f.required).map((f) => f.restName);
  return { type: 'object', title: model.name, properties, ...(required.length > 0 ? { required } : {}) };
}

function scalarSchema(type: GraphQLScalarType | GraphQLEnumType): Schema {
  if (type instanceof GraphQLEnumType) return { type: 'string', enum: type.getValues().map((v) => v.name) };
  switch (type.name) {
    case 'Int':
      return { type: 'integer' };
    case 'Float':
      return { type: 'number' };
    case 'Boolean':
      return { type: 'boolean' };
    case 'DateTimeISO':
      return { type: 'string', format: 'date-time' };
    default:
      return { type: 'string' };
  }
}

/** The JSON a selection produces: aliases are the keys, GraphQL types give the schema. */
function selectionSchema(type: GraphQLOutputType, selection: SelectionSetNode | undefined): Schema {
  if (type instanceof GraphQLNonNull) return selectionSchema(type.ofType, selection);
  if (type instanceof GraphQLList) return { type: 'array', items: selectionSchema(type.ofType, selection) };
  if (type instanceof GraphQLObjectType && selection) {
    const fields = type.getFields();
    const properties: Record<string, Schema> = {};
    for (const node of selection.selections) {
      if (node.kind !== Kind.FIELD) continue;
      const field = fields[node.name.value];
      const key = node.alias?.value ?? node.name.value;
      const schema = selectionSchema(field.type, node.selectionSet);
      properties[key] = field.type instanceof GraphQLNonNull ? schema : { anyOf: [schema, { type: 'null' }] };
    }
    return { type: 'object', properties, required: Object.keys(properties) };
  }
  return scalarSchema(getNamedType(type) as GraphQLScalarType | GraphQLEnumType);
}

/** A sample of the data an operation returns, to ask the route's mapping what it answers. */
function sample(type: GraphQLOutputType, selection: SelectionSetNode | undefined): unknown {
  if (type instanceof GraphQLNonNull) return sample(type.ofType, selection);
  if (type instanceof GraphQLList) return [sample(type.ofType, selection)];
  if (type instanceof GraphQLObjectType && selection) {
    const fields = type.getFields();
    const out: Record<string, unknown> = {};
    for (const node of selection.selections) {
      if (node.kind === Kind.FIELD) out[node.alias?.value ?? node.name.value] = sample(fields[node.name.value].type, node.selectionSet);
    }
    return out;
  }
  const named = getNamedType(type);
  if (named.name === 'Int') return 1;
  if (named.name === 'Boolean') return true;
  if (named.name === 'DateTimeISO') return '2026-01-01T00:00:00.000Z';
  return 'x';
}

const ERROR_SCHEMA = { $ref: '#/components/schemas/HTTPError' };

function securityOf(compiled: CompiledRoute): Array<Record<string, string[]>> | undefined {
  if (compiled.route.credentials === 'basic') return [{ basic: [] }];
  const roles = compiled.roles;
  if (!roles) return undefined;
  const schemes: Array<Record<string, string[]>> = [];
  if (roles.some((r) => r === Role.Operator || r === Role.VerifiedOperator || r === Role.PlatformAdmin)) schemes.push({ bearer: [] }, { operatorCookie: [] });
  if (roles.includes(Role.Customer)) schemes.push({ bearer: [] }, { portalCookie: [] });
  if (roles.includes(Role.ApiKey)) schemes.push({ apiKey: [] });
  return [...new Map(schemes.map((s) => [Object.keys(s)[0], s])).values()];
}

function operationObject(compiled: CompiledRoute, schema: GraphQLSchema): Schema {
  const { route, model, document } = compiled;
  const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION) as OperationDefinitionNode;
  const root = operation.selectionSet.selections.find((s): s is FieldNode => s.kind === Kind.FIELD) as FieldNode;
  const rootType = (operation.operation === 'query' ? schema.getQueryType() : schema.getMutationType()) as GraphQLObjectType;
  const field = rootType.getFields()[root.name.value];
  const answer = route.respond({ [root.alias?.value ?? root.name.value]: sample(field.type, root.selectionSet) });

  const responses: Record<string, Schema> = {};
  if (answer.body === undefined) {
    responses[String(answer.status)] = { description: 'Successful Response (no content)' };
  } else {
    const body = root.selectionSet ? selectionSchema(field.type, root.selectionSet) : { type: 'object', properties: {}, additionalProperties: false };
    responses[String(answer.status)] = { description: 'Successful Response', content: { 'application/json': { schema: body } } };
  }
  if (answer.cookies) {
    responses[String(answer.status)].headers = { 'Set-Cookie': { description: 'clear' in answer.cookies ? 'Clears the auth cookies.' : 'Sets the access and refresh cookies (HttpOnly; SameSite=lax unless COOKIE_SAMESITE says otherwise; Secure in production).', schema: { type: 'string' } } };
  }
  for (const [status, code] of Object.entries(route.errors ?? {})) {
    if (isErrorCode(code)) responses[status] = { description: ERRORS[code].detail, content: { 'application/json': { schema: ERROR_SCHEMA } } };
  }
  if (model || route.pathParams) {
    responses['422'] = { description: 'Validation Error', content: { 'application/json': { schema: { $ref: '#/components/schemas/HTTPValidationError' } } } };
  }
  if (compiled.roles && !responses['401']) responses['401'] = { description: 'Not authenticated, or the credentials could not be validated', content: { 'application/json': { schema: ERROR_SCHEMA } } };

  const out: Schema = {
    tags: [route.tag],
    summary: route.summary,
    operationId: `${route.method.toLowerCase()}${route.path.replace(/[^a-zA-Z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
    responses,
  };
  if (route.description) out.description = route.description;
  const parameters: Schema[] = Object.entries(route.pathParams ?? {}).map(([name, type]) => ({
    name,
    in: 'path',
    required: true,
    schema: type === 'uuid' ? { type: 'string', format: 'uuid' } : { type: 'string' },
    ...(name === 'tenant_slug' ? { example: 'demo' } : {}),
  }));
  for (const [name, description] of Object.entries(route.headerParams ?? {})) {
    parameters.push({ name, in: 'header', required: false, description, schema: { type: 'string' } });
  }
  if (parameters.length > 0) out.parameters = parameters;
  if (model) {
    out.requestBody = { required: true, content: { 'application/json': { schema: modelSchema(model), ...(route.example ? { example: route.example } : {}) } } };
  }
  if (route.bodyFields) {
    // Loose fields (src/rest/body.ts, `looseBodyFields`): an optional body, any other member
    // allowed, both encodings a script may send.
    const properties = Object.fromEntries(Object.entries(route.bodyFields).map(([name, description]) => [name, { type: 'string', description }]));
    const schema = { type: 'object', properties };
    out.requestBody = { required: false, content: { 'application/json': { schema }, 'application/x-www-form-urlencoded': { schema } } };
  }
  const security = securityOf(compiled);
  if (security) out.security = security;
  return out;
}

/**
 * No `servers`, as FastAPI: the document is relative to wherever it is served, so /docs' "Try it
 * out" calls the host the browser is on (behind a proxy, on another port, on localhost alike).
 */
export function generateOpenApi(routes: readonly CompiledRoute[], schema: GraphQLSchema): Schema {
  const paths: Record<string, Record<string, Schema>> = {};
  for (const compiled of routes) {
    paths[compiled.route.path] ??= {};
    paths[compiled.route.path][compiled.route.method.toLowerCase()] = operationObject(compiled, schema);
  }
  const tags = [...new Set(routes.map((r) => r.route.tag))].map((name) => ({ name, description: TAG_DESCRIPTIONS[name] ?? name }));
  return {
    openapi: '3.1.0',
    info: {
      title: 'HydraCore identity gateway: legacy REST API',
      version: '1.0.0',
      description:
        'The legacy FastAPI endpoints, served byte for byte by the GraphQL gateway (each runs one GraphQL operation; the full API is at /graphql). Errors are `{"detail": "..."}`; request validation errors are the FastAPI 422 list.',
    },
    tags,
    paths,
    components: {
      schemas: {
        HTTPError: { type: 'object', properties: { detail: { type: 'string' } }, required: ['detail'] },
        ValidationError: {
          type: 'object',
          properties: {
            type: { type: 'string' },
            loc: { type: 'array', items: { anyOf: [{ type: 'string' }, { type: 'integer' }] } },
            msg: { type: 'string' },
            input: {},
            ctx: { type: 'object' },
          },
          required: ['type', 'loc', 'msg', 'input'],
        },
        HTTPValidationError: { type: 'object', properties: { detail: { type: 'array', items: { $ref: '#/components/schemas/ValidationError' } } }, required: ['detail'] },
      },
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
        operatorCookie: { type: 'apiKey', in: 'cookie', name: COOKIE_NAMES.operator.access[0] },
        portalCookie: { type: 'apiKey', in: 'cookie', name: COOKIE_NAMES.portal.access[0] },
        apiKey: { type: 'apiKey', in: 'header', name: 'X-Api-Key' },
        basic: { type: 'http', scheme: 'basic' },
      },
    },
  };
}
