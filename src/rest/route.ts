import type { CookieFamily } from '../lib/cookies';

/**
 * The shape of one legacy REST endpoint in the route table (`routes.ts`). An entry says
 * everything about the endpoint and nothing about how to serve it: the bridge
 * (`bridge.ts`) serves it, and the OpenAPI document is generated from the same entry.
 */
export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE';
export type PathParamType = 'string' | 'uuid';

export type { CookieFamily } from '../lib/cookies';

export type CookieChange =
  | { family: CookieFamily; set: { accessToken: string; refreshToken: string; accessMaxAge: number } }
  | { family: CookieFamily; clear: true };

export interface LegacyResponse {
  status: number;
  /** JSON body (already in legacy key order); `undefined` for an empty 204. */
  body?: unknown;
  cookies?: CookieChange;
}

export interface RequestParts {
  /** Path parameters after validation (UUIDs canonical). */
  path: Record<string, string>;
  /** The validated body model as GraphQL input values (camelCase keys). */
  body: Record<string, unknown> | undefined;
  /** The request's cookies (e.g. a refresh token when the body leaves it empty). */
  cookies: Record<string, string>;
  /** HTTP Basic credentials, for routes that declare `credentials: 'basic'`. */
  basic?: { username: string; password: string };
  /** The request headers a route reads (`headerParams`), by the names it declares, when sent. */
  headers: Record<string, string>;
  /** The loose body fields a route reads (`bodyFields`), by name, when sent as strings. */
  bodyFields: Record<string, string>;
}

export interface LegacyRoute {
  method: HttpMethod;
  /** FastAPI-style path: `/v1/public/signup/plans/{tenant_slug}`. */
  path: string;
  /** Router name in the legacy docs (`Auth`, `Customer signup`, ...). */
  tag: string;
  summary: string;
  description?: string;
  /** Path parameters in path order, with their type. */
  pathParams?: Record<string, PathParamType>;
  /** The body model: a type-graphql input class whose constraints the bridge enforces. */
  body?: Function;
  /** A body that works against the demo tenant (`hydracore demo`), shown in /docs (legacy keys). */
  example?: Record<string, unknown>;
  /** Read HTTP Basic credentials (FastAPI's HTTPBasic): none or undecodable is 401 before anything else. */
  credentials?: 'basic';
  /**
   * Optional request headers the route reads (name -> description, for OpenAPI):
   * taken as sent, never validated into a 422 (e.g. `/auth/token`'s `X-OTP`).
   */
  headerParams?: Record<string, string>;
  /**
   * Optional string fields read from the body of a route that has no body model (name ->
   * description, for OpenAPI), e.g. `/auth/token`'s `otp`: taken from a JSON object or an
   * `application/x-www-form-urlencoded` form when they are strings; any other body, or value,
   * is ignored as the legacy service ignored it, never a 422 (`looseBodyFields`).
   */
  bodyFields?: Record<string, string>;
  /** Headers added to this route's 401 answers (e.g. `WWW-Authenticate: Basic`). */
  unauthorizedHeaders?: Record<string, string>;
  /** The one GraphQL operation this endpoint runs (parsed and validated once at start-up). */
  operation: string;
  /** Request parts → operation variables. */
  variables: (parts: RequestParts) => Record<string, unknown>;
  /** Operation data → legacy response. The selection set's aliases give the legacy keys. */
  respond: (data: Record<string, unknown>) => LegacyResponse;
  /** Documented responses other than success and 422 (status → error code), for OpenAPI. */
  errors?: Record<number, string>;
}

export const ok = (body: unknown): LegacyResponse => ({ status: 200, body });
