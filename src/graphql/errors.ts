import type { FastifyReply } from 'fastify';
import { ERRORS, graphqlMessage, type ErrorCode } from '../lib/errors';

/**
 * The one shape of an error answered at `/graphql` outside an operation (refused before
 * Apollo ran: a rate limit, a body Fastify could not read), as Apollo shapes its own:
 * `{"errors":[{"message","extensions":{"code"}}]}`. Registry codes take the registry's
 * GraphQL message; a framework refusal keeps its own message under `BAD_REQUEST`.
 */
export function graphqlErrorBody(code: ErrorCode): string;
export function graphqlErrorBody(code: 'BAD_REQUEST', message: string): string;
export function graphqlErrorBody(code: ErrorCode | 'BAD_REQUEST', message?: string): string {
  const text = code === 'BAD_REQUEST' ? (message as string) : graphqlMessage(code);
  return JSON.stringify({ errors: [{ message: text, extensions: { code } }] });
}

/**
 * Answers such an error at `/graphql` the way Apollo answers its own (`application/json;
 * charset=utf-8`): the registry's status for a registry code, or the framework's.
 */
export function sendGraphqlError(reply: FastifyReply, code: ErrorCode, headers?: Record<string, string>): FastifyReply;
export function sendGraphqlError(reply: FastifyReply, code: 'BAD_REQUEST', headers: Record<string, string>, status: number, message: string): FastifyReply;
export function sendGraphqlError(reply: FastifyReply, code: ErrorCode | 'BAD_REQUEST', headers: Record<string, string> = {}, status?: number, message?: string): FastifyReply {
  const body = code === 'BAD_REQUEST' ? graphqlErrorBody(code, message as string) : graphqlErrorBody(code);
  for (const [name, value] of Object.entries(headers)) reply.header(name, value);
  return reply
    .code(code === 'BAD_REQUEST' ? (status as number) : ERRORS[code].status)
    .header('content-type', 'application/json; charset=utf-8')
    .send(body);
}
