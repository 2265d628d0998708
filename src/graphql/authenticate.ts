import { DomainError } from '../lib/errors';
import { JwtError } from '../lib/jwt';
import { User } from '../modules/auth/auth.model';
import type { Credentials, GqlContext, Principal } from './context';

export const ACCESS_TOKEN_TYPE = 'access';
export const ACCESS_COOKIE = 'access_token';

/**
 * The credentials of a request, as FastAPI's OAuth2 bearer scheme read them: the
 * `Authorization` header wins over the cookie; its scheme word is case-insensitive; another
 * scheme, or `Bearer` with no token, counts as no credentials (CONTRACT section 2).
 */
export function readCredentials(headers: Record<string, string | string[] | undefined>, cookies: Record<string, string>): Credentials {
  const header = headers.authorization;
  const value = Array.isArray(header) ? header[0] : header;
  if (value !== undefined && value !== '') {
    const space = value.indexOf(' ');
    const scheme = space === -1 ? value : value.slice(0, space);
    const token = space === -1 ? '' : value.slice(space + 1);
    if (scheme.toLowerCase() === 'bearer' && token !== '') return { bearer: token, cookies };
  }
  const cookie = cookies[ACCESS_COOKIE];
  return cookie ? { bearer: cookie, cookies } : { cookies };
}

const principals = new WeakMap<GqlContext, Promise<Principal>>();

/**
 * Checks the request's credentials once per operation and returns the caller. No
 * credentials: anonymous. Present but bad, expired, of the wrong kind, or of a revoked
 * session or a deleted user: 401 `Could not validate credentials`.
 */
export function authenticate(ctx: GqlContext): Promise<Principal> {
  if (ctx.principal.kind !== 'anonymous' || ctx.credentials.bearer === undefined) return Promise.resolve(ctx.principal);
  let pending = principals.get(ctx);
  if (!pending) {
    pending = resolveOperator(ctx, ctx.credentials.bearer).then((principal) => (ctx.principal = principal));
    principals.set(ctx, pending);
  }
  return pending;
}

async function resolveOperator(ctx: GqlContext, token: string): Promise<Principal> {
  let claims;
  try {
    claims = ctx.jwt.verify(token, ACCESS_TOKEN_TYPE);
  } catch (error) {
    if (error instanceof JwtError) throw new DomainError('INVALID_TOKEN');
    throw error;
  }
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
