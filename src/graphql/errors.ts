import { ERRORS, type ErrorCode } from '../lib/errors';

/**
 * The one shape of an error answered at `/graphql` outside an operation (refused before
 * Apollo ran: a rate limit, a body Fastify could not read), as Apollo shapes its own:
 * `{"errors":[{"message","extensions":{"code"}}]}`. Registry codes take the registry's
 * message; a framework refusal keeps its own message under `BAD_REQUEST`.
 */
export function graphqlErrorBody(code: ErrorCode): string;
export function graphqlErrorBody(code: 'BAD_REQUEST', message: string): string;
export function graphqlErrorBody(code: ErrorCode | 'BAD_REQUEST', message?: string): string {
  const text = code === 'BAD_REQUEST' ? (message as string) : ERRORS[code].detail;
  return JSON.stringify({ errors: [{ message: text, extensions: { code } }] });
}
