import type { FastifyInstance, FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import type { TrustedDocumentsConfig } from '../config';
import { sendGraphqlError } from './errors';

/**
 * Trusted documents at `/graphql` (docs/trusted-documents.md), as GraphQL-over-HTTP's
 * persisted documents: a request names a document of the manifest by `documentId` instead of
 * sending its text. With `only`, a request carrying any other query text is refused.
 *
 * It runs as a `preHandler` of the `/graphql` route, before Apollo: Apollo refuses a request
 * without `query` before any plugin could supply one, so the document is put in place here
 * (the POST body, or a GET's query string, which is what Apollo reads) and Apollo runs it like
 * any other: parse, validation and limits, CSRF prevention, execution.
 */

const BARE_SHA256 = /^[0-9a-f]{64}$/;

/** The client preset names a document `sha256:<hex>` (GraphQL-over-HTTP); the bare digest means the same. */
const canonicalId = (id: string): string => (BARE_SHA256.test(id) ? `sha256:${id}` : id);

class TrustedDocumentList {
  private readonly byId = new Map<string, string>();
  private readonly texts = new Set<string>();

  constructor(manifest: ReadonlyMap<string, string>) {
    for (const [id, document] of manifest) {
      this.byId.set(canonicalId(id), document);
      this.texts.add(document);
    }
  }

  document(id: string): string | undefined {
    return this.byId.get(canonicalId(id));
  }

  /** Whether `text` is, byte for byte, a listed document: trusted-only runs it as it would its id (so does Apollo's safelisting). */
  lists(text: string): boolean {
    return this.texts.has(text);
  }
}

type Fields = Record<string, unknown>;
const isFields = (value: unknown): value is Fields => value !== null && typeof value === 'object' && !Array.isArray(value);

const badRequest = (reply: FastifyReply, message: string) => sendGraphqlError(reply, 'BAD_REQUEST', {}, 400, message);

/** POST: `{"documentId", "variables", "operationName", "extensions"}` becomes the same with `query`. */
function servePost(request: FastifyRequest, reply: FastifyReply, list: TrustedDocumentList, only: boolean): FastifyReply | undefined {
  const body = request.body;
  // Apollo answers a body it cannot use (batching is off); under trusted-only none may carry other text.
  const requests = Array.isArray(body) ? body : [body];
  if (only && requests.some((each) => isFields(each) && each.query != null && !(typeof each.query === 'string' && list.lists(each.query)))) {
    return sendGraphqlError(reply, 'TRUSTED_DOCUMENT_REQUIRED');
  }
  if (!isFields(body) || body.documentId === undefined) return undefined;
  const { documentId, ...rest } = body;
  if (typeof documentId !== 'string') return badRequest(reply, '`documentId` must be a string.');
  if (rest.query != null) return badRequest(reply, 'Send either `documentId` or `query`, not both.');
  const document = list.document(documentId);
  if (document === undefined) return sendGraphqlError(reply, 'PERSISTED_DOCUMENT_NOT_FOUND');
  request.body = { ...rest, query: document };
  return undefined;
}

/** GET: `?documentId=...&variables=...` becomes `?query=...&variables=...` in the URL Apollo reads. */
function serveGet(request: FastifyRequest, reply: FastifyReply, list: TrustedDocumentList, only: boolean): FastifyReply | undefined {
  const url = new URL(request.url, 'http://gateway');
  const queries = url.searchParams.getAll('query');
  if (only && queries.some((text) => !list.lists(text))) return sendGraphqlError(reply, 'TRUSTED_DOCUMENT_REQUIRED');
  const ids = url.searchParams.getAll('documentId');
  if (ids.length === 0) return undefined;
  if (ids.length > 1) return badRequest(reply, "The 'documentId' search parameter may only be specified once.");
  if (queries.length > 0) return badRequest(reply, 'Send either `documentId` or `query`, not both.');
  const document = list.document(ids[0]);
  if (document === undefined) return sendGraphqlError(reply, 'PERSISTED_DOCUMENT_NOT_FOUND');
  url.searchParams.delete('documentId');
  url.searchParams.set('query', document);
  // Apollo's Fastify integration reads a GET's operation from `request.url`, i.e. the raw URL.
  request.raw.url = `${url.pathname}${url.search}`;
  return undefined;
}

/**
 * Adds the trusted-documents step to the route at `path` (the one `@as-integrations/fastify`
 * registers): call it before that route is registered. Nothing else sees it: the REST bridge
 * runs its own fixed operations without going through `/graphql`. Should the route never
 * come (a wiring mistake), the app refuses to start rather than serve `/graphql` unguarded.
 */
export function trustedDocuments(app: FastifyInstance, config: TrustedDocumentsConfig, path = '/graphql'): void {
  const list = new TrustedDocumentList(config.documents);
  const step: preHandlerAsyncHookHandler = async (request, reply) => {
    if (request.method === 'POST') return servePost(request, reply, list, config.only);
    if (request.method === 'GET') return serveGet(request, reply, list, config.only);
    return undefined;
  };
  let guarded = false;
  app.addHook('onRoute', (route) => {
    if (route.url !== path) return;
    const existing = route.preHandler === undefined ? [] : Array.isArray(route.preHandler) ? route.preHandler : [route.preHandler];
    route.preHandler = [...existing, step];
    guarded = true;
  });
  app.addHook('onReady', async () => {
    if (!guarded) throw new Error(`trusted documents: no route at ${path} was registered after trustedDocuments() to guard`);
  });
}
