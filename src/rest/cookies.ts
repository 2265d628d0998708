import type { FastifyReply } from 'fastify';
import type { GqlContext } from '../graphql/context';
import { COOKIE_NAMES, deleteCookieHeader, setCookieHeader, type CookieFamily } from '../lib/cookies';
import type { CookieChange } from './route';

export function refreshCookieName(family: CookieFamily): string {
  return COOKIE_NAMES[family].refresh[0];
}

/** Sets or clears a family's cookies on a legacy response (Starlette's exact format). */
export function applyCookies(reply: FastifyReply, change: CookieChange, ctx: GqlContext): void {
  const { access, refresh } = COOKIE_NAMES[change.family];
  const { cookieSecure: secure, cookieSameSite: sameSite } = ctx.config.auth;
  if ('clear' in change) {
    const now = ctx.clock.now();
    reply.header('set-cookie', [deleteCookieHeader(access[0], access[1], secure, sameSite, now), deleteCookieHeader(refresh[0], refresh[1], secure, sameSite, now)]);
    return;
  }
  const refreshMaxAge = change.family === 'operator' ? ctx.config.auth.operatorRefreshTtlSeconds : ctx.config.auth.customerRefreshTtlSeconds;
  reply.header('set-cookie', [
    setCookieHeader({ name: access[0], value: change.set.accessToken, path: access[1], maxAgeSeconds: change.set.accessMaxAge, secure, sameSite }),
    setCookieHeader({ name: refresh[0], value: change.set.refreshToken, path: refresh[1], maxAgeSeconds: refreshMaxAge, secure, sameSite }),
  ]);
}
