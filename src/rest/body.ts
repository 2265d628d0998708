import type { FastifyRequest } from 'fastify';
import { decodeJsonBody, type PyValue } from '../pydantic/json';

export type BodyRead =
  /** No body, an empty one, or JSON `null`: FastAPI's "missing". */
  | { kind: 'absent' }
  | { kind: 'json'; value: PyValue }
  /** A body that is not declared JSON: pydantic sees the raw text. */
  | { kind: 'raw'; text: string }
  | { kind: 'invalid-json'; position: number; reason: string }
  /** Bytes that are not text in the detected encoding (FastAPI answers 400). */
  | { kind: 'unreadable' };

/**
 * `application/json` or any `application/*+json`, parameters ignored, as FastAPI decides
 * with `email.message.Message().get_content_maintype()/subtype()`.
 */
export function isJsonContentType(header: string | undefined): boolean {
  if (header === undefined) return false;
  const [type = ''] = header.split(';');
  const parts = type.trim().toLowerCase().split('/');
  if (parts.length !== 2 || parts[0] !== 'application') return false;
  return parts[1] === 'json' || parts[1].endsWith('+json');
}

/** Reads a request body the way the legacy service did (CONTRACT section 2). */
export function readBody(request: FastifyRequest): BodyRead {
  const raw = request.body;
  if (!Buffer.isBuffer(raw) || raw.length === 0) return { kind: 'absent' };
  if (!isJsonContentType(request.headers['content-type'])) {
    // Not JSON by its content type, so never parsed: this also keeps a cross-site "simple"
    // form or text/plain POST from ever acting on a victim's cookies.
    const text = new TextDecoder('utf-8', { fatal: false }).decode(raw);
    return { kind: 'raw', text };
  }
  const decoded = decodeJsonBody(raw);
  if (decoded.ok) return decoded.value === null ? { kind: 'absent' } : { kind: 'json', value: decoded.value };
  if (decoded.kind === 'decode') return { kind: 'invalid-json', position: decoded.pos, reason: decoded.msg };
  return { kind: 'unreadable' };
}
