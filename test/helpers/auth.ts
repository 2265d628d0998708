import type { LightMyRequestResponse } from 'fastify';
import type { TestApp } from './app';

export const PASSWORD = 'correct horse battery staple';

export interface Pair {
  access_token: string;
  email_verified: boolean;
  expires_in: number;
  refresh_token: string;
  token_type: string;
}

export async function post(t: TestApp, url: string, payload: unknown, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
  return t.app.inject({ method: 'POST', url, payload: JSON.stringify(payload), headers: { 'content-type': 'application/json', ...headers } });
}

export async function registerOperator(t: TestApp, email: string, password = PASSWORD): Promise<Pair> {
  const res = await post(t, '/auth/register', { email, password });
  if (res.statusCode !== 200) throw new Error(`register failed: ${res.statusCode} ${res.body}`);
  return res.json();
}

/**
 * The newest mail to an address, read from the outbox (what the mail provider would deliver).
 * Mail requests (forgot-password, resend-verification, customer login) are resolved first, as
 * the background worker does right after each one.
 */
export async function lastMailTo(t: TestApp, to: string): Promise<{ subject: string; text: string } | undefined> {
  await t.app.mailRequests.drain();
  const row = await t.db('mail_outbox').where({ recipient: to }).orderBy('created_at', 'desc').orderBy('id', 'desc').first('subject', 'text_body');
  return row ? { subject: row.subject, text: row.text_body } : undefined;
}

export async function mailCount(t: TestApp, to: string): Promise<number> {
  await t.app.mailRequests.drain();
  const [{ n }] = await t.db('mail_outbox').where({ recipient: to }).count({ n: '*' });
  return Number(n);
}

export async function lastCodeFor(t: TestApp, to: string): Promise<string> {
  const mail = await lastMailTo(t, to);
  const code = mail?.text.match(/\b(\d{6})\b/)?.[1];
  if (!code) throw new Error(`no code mailed to ${to}`);
  return code;
}

/** A verified operator, signed in. */
export async function verifiedOperator(t: TestApp, email: string): Promise<Pair> {
  await registerOperator(t, email);
  const res = await post(t, '/auth/verify-email', { code: await lastCodeFor(t, email), email });
  if (res.statusCode !== 200) throw new Error(`verify failed: ${res.statusCode} ${res.body}`);
  return res.json();
}

export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

export function decodeJwt(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'));
}

export async function graphql(t: TestApp, query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
  const res = await t.app.inject({ method: 'POST', url: '/graphql', payload: { query, variables }, headers });
  return res.json() as { data?: Record<string, any> | null; errors?: Array<{ message: string; path?: Array<string | number>; extensions: Record<string, any> }> };
}

export function setCookies(res: LightMyRequestResponse): string[] {
  const header = res.headers['set-cookie'];
  return header === undefined ? [] : Array.isArray(header) ? header : [header];
}
