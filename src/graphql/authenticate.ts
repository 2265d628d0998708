import { readAssurance, type ProvedAssurance } from '../lib/assurance';
import { COOKIE_NAMES } from '../lib/cookies';
import { DomainError } from '../lib/errors';
import { JwtError, type JwtClaims } from '../lib/jwt';
import { sha256Hex } from '../lib/secrets';
import type { Credentials, GqlContext, Principal } from './context';

/** Token kinds (`typ`): an operator token is never a customer's, nor the reverse. */
export const ACCESS_TOKEN_TYPE = 'access';
export const CUSTOMER_TOKEN_TYPE = 'customer';
export type CallerKind = 'operator' | 'customer' | 'apiKey';
const ACCESS_COOKIES: Record<'operator' | 'customer', string> = { operator: COOKIE_NAMES.operator.access[0], customer: COOKIE_NAMES.portal.access[0] };

/**
 * The credentials of a request (CONTRACT section 2 and 3): `X-Api-Key` wins over everything;
 * a Bearer token (scheme word case-insensitive) wins over cookies; another scheme, or
 * `Bearer` with no token, counts as none.
 */
export function readCredentials(headers: Record<string, string | string[] | undefined>, cookies: Record<string, string>): Credentials {
  const first = (name: string) => {
    const value = headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  const apiKey = first('x-api-key');
  if (apiKey) return { apiKey, cookies };
  const value = first('authorization');
  if (value) {
    const space = value.indexOf(' ');
    const scheme = space === -1 ? value : value.slice(0, space);
    const token = space === -1 ? '' : value.slice(space + 1);
    if (scheme.toLowerCase() === 'bearer' && token !== '') return { bearer: token, cookies };
  }
  return { cookies };
}

const checked = new WeakMap<GqlContext, Map<string, Promise<Principal>>>();
const kindKeys = new WeakMap<readonly CallerKind[], string>();

/**
 * Checks the request's credentials against the kinds of caller an operation accepts, once per
 * operation and kind set. No credentials: anonymous. A token that is bad, expired, of a revoked
 * session, a deleted user or an inactive customer, or a revoked API key: `INVALID_TOKEN` (401
 * `Could not validate credentials`). Valid credentials of a kind the operation does not take
 * say which kind it does (`extensions.expected`), while REST answers them as it always did:
 * a customer's token where an operator's is needed, `OPERATOR_TOKEN_REQUIRED`, and the reverse,
 * `CUSTOMER_TOKEN_REQUIRED` (both 401 `Could not validate credentials` on REST); a valid API key
 * where only a person may act, `PERSON_TOKEN_REQUIRED` (403 `Not enough permissions` on REST).
 */
export function authenticate(ctx: GqlContext, kinds: readonly CallerKind[]): Promise<Principal> {
  if (ctx.principal.kind === 'system') return Promise.resolve(ctx.principal);
  let cacheKey = kindKeys.get(kinds);
  if (cacheKey === undefined) kindKeys.set(kinds, (cacheKey = [...kinds].sort().join(',')));
  let byKinds = checked.get(ctx);
  if (!byKinds) checked.set(ctx, (byKinds = new Map()));
  let pending = byKinds.get(cacheKey);
  if (!pending) {
    pending = resolve(ctx, kinds).then((principal) => {
      if (principal.kind !== 'anonymous') ctx.principal = principal;
      return principal;
    });
    byKinds.set(cacheKey, pending);
  }
  return pending;
}

async function resolve(ctx: GqlContext, kinds: readonly CallerKind[]): Promise<Principal> {
  const { credentials } = ctx;
  if (credentials.apiKey !== undefined) {
    // A bad key is 401 wherever it is sent; a good key where keys are not accepted, 403 on REST.
    const principal = await resolveApiKey(ctx, credentials.apiKey);
    if (!kinds.includes('apiKey')) throw new DomainError('PERSON_TOKEN_REQUIRED', { expected: kinds });
    return principal;
  }
  if (credentials.bearer !== undefined) {
    // One verification: the token's own kind (`typ`, signed) decides, among those accepted.
    const accepted = BEARER_KINDS.filter(([kind]) => kinds.includes(kind)).map(([, typ]) => typ);
    if (accepted.length === 0) throw new DomainError('INVALID_TOKEN');
    const claims = verified(ctx, credentials.bearer, accepted, kinds);
    return claims.typ === CUSTOMER_TOKEN_TYPE ? resolveCustomer(ctx, claims) : resolveOperator(ctx, claims);
  }
  for (const kind of ['operator', 'customer'] as const) {
    const cookie = credentials.cookies[ACCESS_COOKIES[kind]];
    if (cookie && kinds.includes(kind)) {
      return kind === 'operator' ? resolveOperator(ctx, verified(ctx, cookie, ACCESS_TOKEN_TYPE)) : resolveCustomer(ctx, verified(ctx, cookie, CUSTOMER_TOKEN_TYPE));
    }
  }
  return { kind: 'anonymous' };
}

const BEARER_KINDS: ReadonlyArray<readonly [CallerKind, string]> = [
  ['operator', ACCESS_TOKEN_TYPE],
  ['customer', CUSTOMER_TOKEN_TYPE],
];

/**
 * The claims of a valid token of the given kind(s), or the error to answer. With `kinds` (a
 * bearer token, which a client chose to send), a token that is genuine (key, signature, issuer,
 * audience and expiry all checked) but of the other person kind names the kind the operation
 * takes; its session is not looked up, since the answer is the same either way. Anything else
 * wrong, and any wrong cookie, is `INVALID_TOKEN`.
 */
function verified(ctx: GqlContext, token: string, typ: string | readonly string[], kinds?: readonly CallerKind[]): JwtClaims {
  try {
    return ctx.jwt.verify(token, typ);
  } catch (error) {
    if (!(error instanceof JwtError)) throw error;
    const needed = kinds && KIND_NEEDED_INSTEAD.get(error.tokenType);
    throw needed ? new DomainError(needed, { expected: kinds }) : new DomainError('INVALID_TOKEN');
  }
}

/** A token of this `typ` was refused: the other person kind is the one accepted (see `BEARER_KINDS`). */
const KIND_NEEDED_INSTEAD = new Map<string | undefined, 'OPERATOR_TOKEN_REQUIRED' | 'CUSTOMER_TOKEN_REQUIRED'>([
  [CUSTOMER_TOKEN_TYPE, 'OPERATOR_TOKEN_REQUIRED'],
  [ACCESS_TOKEN_TYPE, 'CUSTOMER_TOKEN_REQUIRED'],
]);

/** What a token says its session proved, and when (a token without `auth_time` proved nothing recently). */
function tokenAssurance(claims: JwtClaims): ProvedAssurance {
  const authTime = typeof claims.auth_time === 'number' && Number.isFinite(claims.auth_time) ? claims.auth_time : 0;
  return { ...readAssurance(claims.amr, claims.acr), authTime };
}

async function resolveOperator(ctx: GqlContext, claims: JwtClaims): Promise<Principal> {
  const sessionId = typeof claims.sid === 'string' ? claims.sid : '';
  // One prepared statement: the user still exists and the session was not revoked (logout,
  // password reset, refresh-token reuse), so a stolen access token dies with its session.
  const row = await ctx.hot.operatorSession(String(claims.sub), sessionId);
  if (!row) throw new DomainError('INVALID_TOKEN');
  // Last use (for the person's list of sessions) costs the request nothing: noted in memory,
  // written in batches off the request's path (src/db/last-use.ts).
  ctx.hot.lastUse.record('sessions', sessionId, ctx.clock.now());
  return {
    kind: 'operator',
    userId: row.id,
    sessionId,
    emailVerified: Boolean(row.email_verified),
    isAdmin: Boolean(row.is_admin),
    email: row.email,
    createdAt: new Date(row.created_at),
    assurance: tokenAssurance(claims),
  };
}

async function resolveCustomer(ctx: GqlContext, claims: JwtClaims): Promise<Principal> {
  const sessionId = typeof claims.sid === 'string' ? claims.sid : '';
  const row = await ctx.hot.customerSession(String(claims.sub), String(claims.tid), sessionId);
  if (!row) throw new DomainError('INVALID_TOKEN');
  ctx.hot.lastUse.record('sessions', sessionId, ctx.clock.now());
  return { kind: 'customer', customerId: row.id, tenantId: row.tenant_id, sessionId, assurance: tokenAssurance(claims) };
}

/** API keys are high-entropy: found by their SHA-256, never compared in the clear. */
async function resolveApiKey(ctx: GqlContext, key: string): Promise<Principal> {
  if (key.length > 200) throw new DomainError('INVALID_TOKEN');
  const row = await ctx.hot.apiKey(sha256Hex(key));
  if (!row) throw new DomainError('INVALID_TOKEN');
  // Each key has its own budget (never its IP's): one busy integration cannot starve another.
  await ctx.limits.take('apiKeyRequests', row.id, row.requests_per_minute === null ? undefined : { limit: row.requests_per_minute, windowSeconds: 60 });
  ctx.hot.lastUse.record('api_keys', row.id, ctx.clock.now());
  return { kind: 'apiKey', keyId: row.id, tenantId: row.tenant_id };
}
