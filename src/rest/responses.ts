import type { FastifyReply } from 'fastify';
import { ERRORS, type ErrorCode } from '../lib/errors';
import { pyDumps } from '../pydantic/json';
import { issueToPy, type ValidationIssue } from '../pydantic/issues';

/**
 * FastAPI's JSONResponse: compact JSON, `content-type: application/json` with no charset
 * (sent as bytes, because Fastify appends `; charset=utf-8` to JSON strings).
 */
export function sendJson(reply: FastifyReply, status: number, json: string): FastifyReply {
  return reply.code(status).header('content-type', 'application/json').send(Buffer.from(json, 'utf8'));
}

/** `{"detail": "<message>"}` with the status (and headers) the error registry gives. */
export function sendError(reply: FastifyReply, code: ErrorCode, extraHeaders: Record<string, string> = {}): FastifyReply {
  const spec = ERRORS[code];
  const headers: Record<string, string> = { ...('headers' in spec ? spec.headers : {}), ...extraHeaders };
  for (const [name, value] of Object.entries(headers)) reply.header(name, value);
  return sendDetail(reply, spec.status, spec.detail);
}

/**
 * `{"detail": "<message>"}` for a refusal that is not ours to word: the framework's 4xx
 * (FastAPI passes Starlette's message through the same way). Everything else is `sendError`.
 */
export function sendDetail(reply: FastifyReply, status: number, message: string): FastifyReply {
  return sendJson(reply, status, JSON.stringify({ detail: message }));
}

/** The 422 `{"detail": [...]}` list, serialised exactly as Python would. */
export function sendIssues(reply: FastifyReply, issues: readonly ValidationIssue[]): FastifyReply {
  return sendJson(reply, 422, pyDumps(new Map([['detail', issues.map(issueToPy)]])));
}
