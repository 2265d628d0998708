/**
 * Cookies exactly as the legacy service (Starlette's `Response.set_cookie` over Python's
 * `http.cookies`) wrote them: attributes in sorted order, `SameSite=lax` (or the configured
 * COOKIE_SAMESITE), and deletion as an empty quoted value that expires now with `Max-Age=0`.
 */
/** The legacy cookie pairs: operators under /auth, customers of the portal under /v1. */
export type CookieFamily = 'operator' | 'portal';

/** CONTRACT section 3: names and paths of the two cookie pairs, the one place they are written. */
export const COOKIE_NAMES: Record<CookieFamily, { access: readonly [name: string, path: string]; refresh: readonly [name: string, path: string] }> = {
  operator: { access: ['access_token', '/'], refresh: ['refresh_token', '/auth'] },
  portal: { access: ['portal_access_token', '/'], refresh: ['portal_refresh_token', '/v1'] },
};

/** Every session cookie's name (a request that carries one is someone's). */
export const SESSION_COOKIE_NAMES: readonly string[] = Object.values(COOKIE_NAMES).flatMap(({ access, refresh }) => [access[0], refresh[0]]);

export interface CookieSpec {
  name: string;
  value: string;
  path: string;
  maxAgeSeconds: number;
  secure: boolean;
  sameSite: 'lax' | 'strict' | 'none';
}

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Python's `http.cookies._getdate()`. */
export function cookieDate(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${WEEKDAYS[date.getUTCDay()]}, ${pad(date.getUTCDate())} ${MONTHS[date.getUTCMonth()]} ${date.getUTCFullYear()} ${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} GMT`;
}

export function setCookieHeader(cookie: CookieSpec): string {
  return [`${cookie.name}=${cookie.value}`, 'HttpOnly', `Max-Age=${cookie.maxAgeSeconds}`, `Path=${cookie.path}`, `SameSite=${cookie.sameSite}`, ...(cookie.secure ? ['Secure'] : [])].join('; ');
}

export function deleteCookieHeader(name: string, path: string, secure: boolean, sameSite: CookieSpec['sameSite'], now: Date): string {
  return [`${name}=""`, `expires=${cookieDate(now)}`, 'HttpOnly', 'Max-Age=0', `Path=${path}`, `SameSite=${sameSite}`, ...(secure ? ['Secure'] : [])].join('; ');
}

/** Starlette's `cookie_parser`: `;`-separated pairs, whitespace trimmed, last value wins. */
export function parseCookieHeader(header: string | undefined): Record<string, string> {
  const cookies: Record<string, string> = Object.create(null);
  if (!header) return cookies;
  for (const chunk of header.split(';')) {
    const index = chunk.indexOf('=');
    const [key, value] = index === -1 ? ['', chunk] : [chunk.slice(0, index), chunk.slice(index + 1)];
    const name = key.trim();
    const text = value.trim();
    if (name || text) cookies[name] = text.length >= 2 && text.startsWith('"') && text.endsWith('"') ? text.slice(1, -1) : text;
  }
  return cookies;
}
