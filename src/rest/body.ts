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

/** `application/x-www-form-urlencoded`, parameters ignored. */
export function isFormContentType(header: string | undefined): boolean {
  return header !== undefined && header.split(';')[0].trim().toLowerCase() === 'application/x-www-form-urlencoded';
}

/**
 * The named string fields of a body nobody validates (a route's `bodyFields`): from a JSON
 * object, or a urlencoded form (a name given twice: the last, as Starlette's form parser
 * would). Anything else is no field at all rather than an error, so a body such a route
 * ignored before gets the same answer now: malformed JSON, an array or a scalar, another
 * content type (multipart included), a value that is not a string, and a string holding
 * U+0000 (no code of ours, and the arguments guard would refuse it with a 400).
 */
export function looseBodyFields(request: FastifyRequest, names: readonly string[]): Record<string, string> {
  const raw = request.body;
  const found: Record<string, string> = {};
  if (!Buffer.isBuffer(raw) || raw.length === 0) return found;
  let read: (name: string) => unknown;
  const type = request.headers['content-type'];
  if (isJsonContentType(type)) {
    const decoded = decodeJsonBody(raw);
    if (!decoded.ok || !(decoded.value instanceof Map)) return found;
    const object = decoded.value;
    read = (name) => object.get(name);
  } else if (isFormContentType(type)) {
    const form = new URLSearchParams(raw.toString('utf8'));
    read = (name) => form.getAll(name).at(-1);
  } else {
    return found;
  }
  for (const name of names) {
    const value = read(name);
    if (typeof value === 'string' && !value.includes('\u0000')) found[name] = value;
  }
  return found;
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
