import { DomainError } from '../lib/errors';
import { JwtError } from '../lib/jwt';
import { User } from '../modules/auth/auth.model';
import type { Credentials, GqlContext, Principal } from './context';

/** Token kinds (`typ`) and their cookies: an operator token is never a customer's, nor the reverse. */
export const ACCESS_TOKEN_TYPE = 'access';
export const CUSTOMER_TOKEN_TYPE = 'customer';
export type CallerKind = 'operator' | 'customer';
const ACCESS_COOKIES: Record<CallerKind, string> = { operator: 'access_token', customer: 'portal_access_token' };

/**
 * The credentials of a request, as FastAPI's OAuth2 bearer scheme read them: the scheme
 * word is case-insensitive; another scheme, or `Bearer` with no token, counts as none
 * (CONTRACT section 2). Cookies are kept for the kind of caller an operation expects.
 */
export function readCredentials(headers: Record<string, string | string[] | undefined>, cookies: Record<string, string>): Credentials {
  const header = headers.authorization;
  const value = Array.isArray(header) ? header[0] : header;
  if (value) {
    const space = value.indexOf(' ');
    const scheme = space === -1 ? value : value.slice(0, space);
    const token = space === -1 ? '' : value.slice(space + 1);
    if (scheme.toLowerCase() === 'bearer' && token !== '') return { bearer: token, cookies };
  }
  return { cookies };
}

/** The token an operation of this kind reads: the `Authorization` header wins over the cookie. */
function tokenFor(credentials: Credentials, kind: CallerKind): string | undefined {
  return credentials.bearer ?? (credentials.cookies[ACCESS_COOKIES[kind]] || undefined);
}

const checked = new WeakMap<GqlContext, Map<CallerKind, Promise<Principal>>>();

/**
 * Checks the request's credentials for the kind of caller an operation expects, once per
 * operation. No credentials: anonymous. Present but bad, expired, of the other kind, or of a
 * revoked session, a deleted user or a suspended customer: 401 `Could not validate credentials`.
 */
export function authenticate(ctx: GqlContext, kind: CallerKind = 'operator'): Promise<Principal> {
  if (ctx.principal.kind === 'system') return Promise.resolve(ctx.principal);
  const token = tokenFor(ctx.credentials, kind);
  if (token === undefined) return Promise.resolve({ kind: 'anonymous' });
  let byKind = checked.get(ctx);
  if (!byKind) checked.set(ctx, (byKind = new Map()));
  let pending = byKind.get(kind);
  if (!pending) {
    pending = (kind === 'operator' ? resolveOperator(ctx, token) : resolveCustomer(ctx, token)).then((principal) => (ctx.principal = principal));
    byKind.set(kind, pending);
  }
  return pending;
}

function verified(ctx: GqlContext, token: string, typ: string) {
  try {
    return ctx.jwt.verify(token, typ);
  } catch (error) {
    if (error instanceof JwtError) throw new DomainError('INVALID_TOKEN');
    throw error;
  }
}

async function resolveOperator(ctx: GqlContext, token: string): Promise<Principal> {
  const claims = verified(ctx, token, ACCESS_TOKEN_TYPE);
  const sessionId = typeof claims.sid === 'string' ? claims.sid : '';
  // One indexed lookup: the user still exists and the session was not revoked (logout,
  // password reset, refresh-token reuse), so a stolen access token dies with its session.
  const row = await User.query(ctx.db)
    .join('sessions', 'sessions.subject_id', 'users.id')
    .where('users.id', claims.sub)
    .where('sessions.id', sessionId)
    .where('sessions.subject_kind', 'user')
    .whereNull('sessions.revoked_at')
    .select('users.id', 'users.email_verified', 'users.is_admin')
    .first();
  if (!row) throw new DomainError('INVALID_TOKEN');
  return { kind: 'operator', userId: row.id, sessionId, emailVerified: row.email_verified, isAdmin: row.is_admin };
}

async function resolveCustomer(ctx: GqlContext, token: string): Promise<Principal> {
  const claims = verified(ctx, token, CUSTOMER_TOKEN_TYPE);
  const sessionId = typeof claims.sid === 'string' ? claims.sid : '';
  const row = await ctx
    .db('customers')
    .join('sessions', 'sessions.subject_id', 'customers.id')
    .where('customers.id', claims.sub)
    .where('customers.tenant_id', String(claims.tid))
    .where('customers.status', 'active')
    .where('sessions.id', sessionId)
    .where('sessions.subject_kind', 'customer')
    .whereNull('sessions.revoked_at')
    .first('customers.id', 'customers.tenant_id');
  if (!row) throw new DomainError('INVALID_TOKEN');
  return { kind: 'customer', customerId: row.id, tenantId: row.tenant_id, sessionId };
}
