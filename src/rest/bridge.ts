import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Kind, parse, validate, type DocumentNode, type ExecutionResult, type FieldNode, type GraphQLError, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import { asGraphQLResult, compileOperation } from '../graphql/compiled-execution';
import { authorize, rolesOfRootField } from '../graphql/auth-checker';
import type { GqlContext } from '../graphql/context';
import { DomainError, ERRORS, isErrorCode, VALIDATION_ERROR_CODE } from '../lib/errors';
import { applyCookies } from './cookies';
import { readBasicCredentials } from './basic-auth';
import { inputModelFor, validateBody, type InputModel } from '../validation/input-model';
import { Issue, type ValidationIssue } from '../pydantic/issues';
import { looseBodyFields, readBody } from './body';
import { sendError, sendIssues, sendJson } from './responses';
import type { LegacyRoute, RequestParts } from './route';
import { parseUuid } from '../pydantic/uuid';
import { timedOperation } from '../lib/metrics';

export interface CompiledRoute {
  route: LegacyRoute;
  document: DocumentNode;
  /** The operation's name (`Login`), under which its executions are timed in `/metrics`. */
  operationName: string | null;
  /** The operation compiled to one JavaScript function (graphql-jit), at start-up. */
  run: (context: GqlContext, variables: Record<string, unknown>) => Promise<ExecutionResult> | ExecutionResult;
  /** The `@Authorized` roles of the operation's root field, checked before validation. */
  roles: string[] | undefined;
  model: InputModel | undefined;
  /** `/v1/x/{id}` → `/v1/x/:id` for Fastify. */
  fastifyPath: string;
  /** Matches a concrete URL path (for 405 / trailing-slash answers). */
  pattern: RegExp;
}

/** Parses and validates every route's operation once, at start-up: a broken table never boots. */
export function compileRoutes(schema: GraphQLSchema, routes: readonly LegacyRoute[]): CompiledRoute[] {
  return routes.map((route) => {
    const document = parse(route.operation);
    const errors = validate(schema, document);
    if (errors.length > 0) {
      throw new Error(`${route.method} ${route.path}: invalid operation: ${errors.map((e) => e.message).join('; ')}`);
    }
    const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
    const rootField = operation?.selectionSet.selections.find((s): s is FieldNode => s.kind === Kind.FIELD);
    const compiled = compileOperation(schema, document);
    if (!compiled) throw new Error(`${route.method} ${route.path}: graphql-jit cannot compile its operation`);
    // A body is either a validated model or loose fields: never both readings of one body.
    if (route.body && route.bodyFields) throw new Error(`${route.method} ${route.path}: a body model and loose body fields`);
    return {
      route,
      document,
      operationName: operation?.name?.value ?? null,
      run: async (context, variables) => asGraphQLResult(await compiled.query(undefined, context, variables)),
      roles: rootField ? rolesOfRootField(rootField.name.value) : undefined,
      model: route.body ? inputModelFor(route.body, schema) : undefined,
      fastifyPath: route.path.replace(/\{(\w+)\}/g, ':$1'),
      pattern: new RegExp(`^${route.path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{\w+\\?\}/g, '[^/]+')}$`),
    };
  });
}

export interface BridgeOptions {
  schema: GraphQLSchema;
  routes: readonly CompiledRoute[];
  contextFor: (request: FastifyRequest) => GqlContext;
}

/**
 * Serves the legacy REST endpoints. It has no domain logic: it reads and validates the
 * request as FastAPI would, runs the route's one operation against the same schema and
 * context as `/graphql`, and shapes the result or error as the legacy service did.
 */
export async function restBridge(app: FastifyInstance, options: BridgeOptions): Promise<void> {
  // Bodies arrive raw: the bridge parses JSON itself to reproduce Python's decoder.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  for (const compiled of options.routes) {
    app.route({
      method: compiled.route.method,
      url: compiled.fastifyPath,
      handler: (request, reply) => serve(compiled, options, request, reply),
    });
  }
}

async function serve(
  compiled: CompiledRoute,
  { contextFor }: BridgeOptions,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<FastifyReply> {
  const { route, model } = compiled;
  const context = contextFor(request);
  // This operation's errors answer here, in FastAPI's terms, even those raised in execution.
  context.surface = 'rest';
  const unauthorized = route.unauthorizedHeaders ?? {};

  // FastAPI decodes the JSON body before anything else, so malformed JSON is reported first.
  const body = model ? readBody(request) : undefined;
  if (body?.kind === 'invalid-json') return sendIssues(reply, [Issue.jsonInvalid(body.position, body.reason)]);
  if (body?.kind === 'unreadable') return sendError(reply, 'BODY_UNREADABLE');

  // Then authentication (its dependencies run before request validation: a 401 wins over a 422).
  let basic: RequestParts['basic'];
  if (route.credentials === 'basic') {
    basic = readBasicCredentials(request.headers.authorization);
    if (!basic) return sendError(reply, 'BASIC_NOT_AUTHENTICATED');
  }
  if (compiled.roles) {
    try {
      await authorize(context, compiled.roles);
    } catch (error) {
      if (error instanceof DomainError) return sendOperationError(request, reply, error, unauthorized);
      throw error;
    }
  }

  // Then request validation: path, (query, header,) body - every failing field at once.
  const issues: ValidationIssue[] = [];
  const path: Record<string, string> = {};
  const params = request.params as Record<string, string>;
  for (const [name, type] of Object.entries(route.pathParams ?? {})) {
    const raw = params[name];
    if (type === 'uuid') {
      const parsed = parseUuid(raw);
      if (parsed.ok) path[name] = parsed.value;
      else issues.push(Issue.uuidParsing(['path', name], raw, parsed.error));
    } else {
      path[name] = raw;
    }
  }
  let input: Record<string, unknown> | undefined;
  if (model && body) {
    const validated =
      body.kind === 'raw'
        ? { ok: false as const, issues: [Issue.modelAttributesType(['body'], body.text)] }
        : validateBody(model, body.kind === 'json' ? body.value : undefined);
    if (validated.ok) input = validated.value;
    else issues.push(...validated.issues);
  }
  if (issues.length > 0) return sendIssues(reply, issues);
  if (input !== undefined) context.validatedInput = route.body;

  const headers: Record<string, string> = {};
  for (const name of Object.keys(route.headerParams ?? {})) {
    const value = request.headers[name.toLowerCase()];
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined) headers[name] = first;
  }
  const bodyFields = route.bodyFields ? looseBodyFields(request, Object.keys(route.bodyFields)) : {};
  const variables = route.variables({ path, body: input, cookies: context.credentials.cookies, basic, headers, bodyFields });
  const result = await timedOperation(context.metrics, 'rest', compiled.operationName, () => compiled.run(context, variables));
  if (result.errors && result.errors.length > 0) return sendOperationError(request, reply, result.errors[0], unauthorized);
  const response = route.respond(result.data as Record<string, unknown>);
  if (response.cookies) applyCookies(reply, response.cookies, context);
  if (response.body === undefined) return reply.code(response.status).send();
  return sendJson(reply, response.status, JSON.stringify(response.body));
}

/** A GraphQL error as the legacy service would have answered it. */
function sendOperationError(
  request: FastifyRequest,
  reply: FastifyReply,
  error: GraphQLError,
  unauthorizedHeaders: Record<string, string>,
): FastifyReply {
  const code = error.extensions?.code;
  if (code === VALIDATION_ERROR_CODE && Array.isArray(error.extensions.detail)) {
    return sendJson(reply, 422, JSON.stringify({ detail: error.extensions.detail }));
  }
  if (isErrorCode(code)) {
    const headers: Record<string, string> = {};
    if (typeof error.extensions.retryAfter === 'number') headers['retry-after'] = String(error.extensions.retryAfter);
    return sendError(reply, code, ERRORS[code].status === 401 ? { ...headers, ...unauthorizedHeaders } : headers);
  }
  request.log.error({ err: error.originalError ?? error, path: error.path }, 'unexpected error in REST operation');
  return sendError(reply, 'INTERNAL_SERVER_ERROR');
}
