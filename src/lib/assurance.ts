/**
 * How a person proved who they are, as access tokens carry it (issue 18): `amr`, the methods
 * (RFC 8176 names, plus `webauthn` for passkeys), and `acr`, the assurance level (NIST SP
 * 800-63B: `aal1` one factor, `aal2` two, or a passkey with user verification). A session keeps
 * the assurance it was started (or stepped up) with, and every refresh carries it on.
 */
export type AuthMethod = 'pwd' | 'otp' | 'webauthn' | 'email';
export type AssuranceLevel = 'aal1' | 'aal2';

export interface Assurance {
  readonly amr: readonly AuthMethod[];
  readonly acr: AssuranceLevel;
}

/** An assurance and when it was last proved (OIDC's `auth_time`, in seconds). */
export interface ProvedAssurance extends Assurance {
  readonly authTime: number;
}

const METHODS: ReadonlySet<string> = new Set<AuthMethod>(['pwd', 'otp', 'webauthn', 'email']);

/** A password alone. */
export const PASSWORD: Assurance = { amr: ['pwd'], acr: 'aal1' };
/** A one-time code mailed to the address (operator email verification, customer sign-in). */
export const EMAILED_CODE: Assurance = { amr: ['email'], acr: 'aal1' };

/** The assurance after one more method: two distinct methods make `aal2`. */
export function adding(assurance: Assurance, method: AuthMethod): Assurance {
  const amr = assurance.amr.includes(method) ? assurance.amr : [...assurance.amr, method];
  return { amr, acr: amr.length >= 2 ? 'aal2' : assurance.acr };
}

/** As stored on a session row: methods space-separated. */
export function storedAssurance(assurance: Assurance): { amr: string; acr: AssuranceLevel } {
  return { amr: assurance.amr.join(' '), acr: assurance.acr };
}

/** A session row's (or a token's) assurance; anything unrecognised counts as the least. */
export function readAssurance(amr: unknown, acr: unknown): Assurance {
  const methods = (Array.isArray(amr) ? amr : typeof amr === 'string' ? amr.split(' ') : []).filter(
    (method): method is AuthMethod => typeof method === 'string' && METHODS.has(method),
  );
  return { amr: methods, acr: acr === 'aal2' ? 'aal2' : 'aal1' };
}

/**
 * When a session row's person last proved its factors, in seconds: `authenticated_at`, or the
 * session's start for rows from before it was recorded.
 */
export function authTimeOf(authenticatedAt: unknown, createdAt: unknown): number {
  const value = authenticatedAt ?? createdAt;
  const ms = value instanceof Date ? value.getTime() : typeof value === 'string' ? Date.parse(value) : NaN;
  return Number.isFinite(ms) ? Math.floor(ms / 1000) : 0;
}
