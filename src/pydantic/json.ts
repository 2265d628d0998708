/**
 * Byte-exact re-implementation of the parts of CPython 3.12's `json` module
 * that the legacy FastAPI service exposed: `json.loads(bytes)` (C scanner,
 * `Modules/_json.c`) and `json.dumps(..., ensure_ascii=False,
 * separators=(",", ":"))`.
 */

/** A Python dict: insertion-ordered, string keys (JS objects would reorder integer-like keys). */
export type PyDict = Map<string, PyValue>;

/** `bigint` is a Python int, `number` is a Python float. */
export type PyValue = null | boolean | string | bigint | number | PyValue[] | PyDict;

export type DecodeResult =
  | { ok: true; value: PyValue }
  | { ok: false; kind: 'decode'; pos: number; msg: string }
  | { ok: false; kind: 'encoding' }
  // Python >= 3.11 refuses int literals longer than 4300 digits with a plain
  // ValueError (not a JSONDecodeError), like an encoding failure.
  | { ok: false; kind: 'int-limit' };

/** Values accepted by `pyDumps`: parser output or plain JSON-ish JS values. */
export type DumpInput =
  | PyValue
  | readonly DumpInput[]
  | ReadonlyMap<string, DumpInput | undefined>
  | { readonly [key: string]: DumpInput | undefined };

export const MAX_NESTING_DEPTH = 1000;

// Default of sys.get_int_max_str_digits().
const INT_MAX_STR_DIGITS = 4300;

// ---------------------------------------------------------------------------
// Encoding detection and decoding (json.detect_encoding + 'surrogatepass')
// ---------------------------------------------------------------------------

type Encoding =
  | 'utf-8'
  | 'utf-8-sig'
  | 'utf-16'
  | 'utf-16-be'
  | 'utf-16-le'
  | 'utf-32'
  | 'utf-32-be'
  | 'utf-32-le';

function startsWith(b: Uint8Array, prefix: readonly number[]): boolean {
  return b.length >= prefix.length && prefix.every((x, i) => b[i] === x);
}

export function detectEncoding(b: Uint8Array): Encoding {
  if (startsWith(b, [0x00, 0x00, 0xfe, 0xff]) || startsWith(b, [0xff, 0xfe, 0x00, 0x00])) {
    return 'utf-32';
  }
  if (startsWith(b, [0xfe, 0xff]) || startsWith(b, [0xff, 0xfe])) return 'utf-16';
  if (startsWith(b, [0xef, 0xbb, 0xbf])) return 'utf-8-sig';
  if (b.length >= 4) {
    if (b[0] === 0) return b[1] ? 'utf-16-be' : 'utf-32-be';
    if (b[1] === 0) return b[2] || b[3] ? 'utf-16-le' : 'utf-32-le';
  } else if (b.length === 2) {
    if (b[0] === 0) return 'utf-16-be';
    if (b[1] === 0) return 'utf-16-le';
  }
  return 'utf-8';
}

/**
 * Decodes to code points (Python str indices). json.loads decodes bytes with
 * the 'surrogatepass' error handler, so encoded lone surrogates are accepted
 * (TextDecoder would reject them, hence the manual decoders).
 */
function decodeToCodePoints(b: Uint8Array, enc: Encoding): number[] | null {
  switch (enc) {
    case 'utf-8':
      return decodeUtf8(b, 0);
    case 'utf-8-sig':
      return decodeUtf8(b, 3);
    case 'utf-16':
      return decodeUtf16(b, 2, b[0] === 0xff);
    case 'utf-16-le':
      return decodeUtf16(b, 0, true);
    case 'utf-16-be':
      return decodeUtf16(b, 0, false);
    case 'utf-32':
      return decodeUtf32(b, 4, b[0] === 0xff);
    case 'utf-32-le':
      return decodeUtf32(b, 0, true);
    case 'utf-32-be':
      return decodeUtf32(b, 0, false);
  }
}

function isContinuation(b: Uint8Array, i: number, lo = 0x80, hi = 0xbf): boolean {
  return i < b.length && b[i] >= lo && b[i] <= hi;
}

/** Strict UTF-8 except that ED A0..BF xx (encoded surrogates) is let through. */
function decodeUtf8(b: Uint8Array, start: number): number[] | null {
  const out: number[] = [];
  let i = start;
  while (i < b.length) {
    const b0 = b[i];
    if (b0 < 0x80) {
      out.push(b0);
      i += 1;
    } else if (b0 >= 0xc2 && b0 <= 0xdf) {
      if (!isContinuation(b, i + 1)) return null;
      out.push(((b0 & 0x1f) << 6) | (b[i + 1] & 0x3f));
      i += 2;
    } else if (b0 >= 0xe0 && b0 <= 0xef) {
      if (!isContinuation(b, i + 1, b0 === 0xe0 ? 0xa0 : 0x80) || !isContinuation(b, i + 2)) {
        return null;
      }
      out.push(((b0 & 0x0f) << 12) | ((b[i + 1] & 0x3f) << 6) | (b[i + 2] & 0x3f));
      i += 3;
    } else if (b0 >= 0xf0 && b0 <= 0xf4) {
      const lo = b0 === 0xf0 ? 0x90 : 0x80;
      const hi = b0 === 0xf4 ? 0x8f : 0xbf;
      if (!isContinuation(b, i + 1, lo, hi) || !isContinuation(b, i + 2) || !isContinuation(b, i + 3)) {
        return null;
      }
      out.push(
        ((b0 & 0x07) << 18) | ((b[i + 1] & 0x3f) << 12) | ((b[i + 2] & 0x3f) << 6) | (b[i + 3] & 0x3f),
      );
      i += 4;
    } else {
      return null;
    }
  }
  return out;
}

const isHighSurrogate = (c: number): boolean => c >= 0xd800 && c <= 0xdbff;
const isLowSurrogate = (c: number): boolean => c >= 0xdc00 && c <= 0xdfff;
const joinSurrogates = (hi: number, lo: number): number => 0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00);

/** Unpaired surrogates are kept (surrogatepass); odd length is an error. */
function decodeUtf16(b: Uint8Array, start: number, le: boolean): number[] | null {
  if ((b.length - start) % 2 !== 0) return null;
  const unitAt = (i: number): number => (le ? b[i] | (b[i + 1] << 8) : (b[i] << 8) | b[i + 1]);
  const out: number[] = [];
  for (let i = start; i < b.length; i += 2) {
    const unit = unitAt(i);
    if (isHighSurrogate(unit) && i + 2 < b.length && isLowSurrogate(unitAt(i + 2))) {
      out.push(joinSurrogates(unit, unitAt(i + 2)));
      i += 2;
    } else {
      out.push(unit);
    }
  }
  return out;
}

/** Surrogate code points are kept (surrogatepass); > U+10FFFF is an error. */
function decodeUtf32(b: Uint8Array, start: number, le: boolean): number[] | null {
  if ((b.length - start) % 4 !== 0) return null;
  const out: number[] = [];
  for (let i = start; i < b.length; i += 4) {
    const unit = le
      ? (b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24)) >>> 0
      : ((b[i] << 24) | (b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]) >>> 0;
    if (unit > 0x10ffff) return null;
    out.push(unit);
  }
  return out;
}

// ---------------------------------------------------------------------------
// Scanner (Modules/_json.c, Python <= 3.12), iterative instead of recursive
// ---------------------------------------------------------------------------

class DecodeFailure {
  constructor(
    readonly pos: number,
    readonly msg: string,
  ) {}
}

class IntLimitFailure {}

const CH = {
  tab: 0x09,
  lf: 0x0a,
  cr: 0x0d,
  space: 0x20,
  quote: 0x22,
  plus: 0x2b,
  comma: 0x2c,
  minus: 0x2d,
  dot: 0x2e,
  zero: 0x30,
  one: 0x31,
  nine: 0x39,
  colon: 0x3a,
  upperE: 0x45,
  lbracket: 0x5b,
  backslash: 0x5c,
  rbracket: 0x5d,
  lowerE: 0x65,
  lowerU: 0x75,
  lbrace: 0x7b,
  rbrace: 0x7d,
} as const;

type CodePoints = readonly number[];

const isWhitespace = (c: number): boolean =>
  c === CH.space || c === CH.tab || c === CH.lf || c === CH.cr;

const isDigit = (c: number | undefined): boolean =>
  c !== undefined && c >= CH.zero && c <= CH.nine;

function skipWhitespace(s: CodePoints, idx: number): number {
  while (idx < s.length && isWhitespace(s[idx])) idx++;
  return idx;
}

const FROM_CODE_POINT_CHUNK = 8192;

function codePointsToString(s: CodePoints, start: number, end: number): string {
  let out = '';
  for (let i = start; i < end; i += FROM_CODE_POINT_CHUNK) {
    out += String.fromCodePoint(...s.slice(i, Math.min(end, i + FROM_CODE_POINT_CHUNK)));
  }
  return out;
}

function asciiSlice(s: CodePoints, start: number, end: number): string {
  return String.fromCharCode(...s.slice(start, end));
}

function matchesAt(s: CodePoints, idx: number, literal: string): boolean {
  if (idx + literal.length > s.length) return false;
  for (let i = 0; i < literal.length; i++) {
    if (s[idx + i] !== literal.charCodeAt(i)) return false;
  }
  return true;
}

// --- strings ---------------------------------------------------------------

const SIMPLE_ESCAPES: ReadonlyMap<number, string> = new Map([
  [CH.quote, '"'],
  [CH.backslash, '\\'],
  [0x2f, '/'],
  [0x62, '\b'],
  [0x66, '\f'],
  [0x6e, '\n'],
  [0x72, '\r'],
  [0x74, '\t'],
]);

function hexDigitValue(c: number): number {
  if (c >= CH.zero && c <= CH.nine) return c - CH.zero;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return -1;
}

/** Reads 4 hex digits at `start`; the caller guarantees they exist. -1 if not hex. */
function readHex4(s: CodePoints, start: number): number {
  let value = 0;
  for (let i = start; i < start + 4; i++) {
    const d = hexDigitValue(s[i]);
    if (d < 0) return -1;
    value = (value << 4) | d;
  }
  return value;
}

/** `\uXXXX` at `uIdx` (index of the 'u'), including the surrogate-pair lookahead. */
function scanUnicodeEscape(s: CodePoints, uIdx: number): { text: string; end: number } {
  let end = uIdx + 5;
  // C: `end >= len`, i.e. an escape that ends the input is rejected even with 4 digits.
  if (end >= s.length) throw new DecodeFailure(uIdx, 'Invalid \\uXXXX escape');
  let c = readHex4(s, uIdx + 1);
  if (c < 0) throw new DecodeFailure(uIdx, 'Invalid \\uXXXX escape');
  if (isHighSurrogate(c) && end + 6 < s.length && s[end] === CH.backslash && s[end + 1] === CH.lowerU) {
    const c2 = readHex4(s, end + 2);
    if (c2 < 0) throw new DecodeFailure(end + 1, 'Invalid \\uXXXX escape');
    // Not a low surrogate: keep the high one alone and re-scan the second escape.
    if (isLowSurrogate(c2)) {
      c = joinSurrogates(c, c2);
      end += 6;
    }
  }
  return { text: String.fromCodePoint(c), end };
}

function scanEscape(s: CodePoints, backslashIdx: number, begin: number): { text: string; end: number } {
  const next = backslashIdx + 1;
  if (next === s.length) throw new DecodeFailure(begin, 'Unterminated string starting at');
  const c = s[next];
  if (c === CH.lowerU) return scanUnicodeEscape(s, next);
  const text = SIMPLE_ESCAPES.get(c);
  if (text === undefined) throw new DecodeFailure(backslashIdx, 'Invalid \\escape');
  return { text, end: next + 1 };
}

/** `begin` is the index of the opening quote; returns the index after the closing quote. */
function scanString(s: CodePoints, begin: number): { value: string; end: number } {
  let value = '';
  let chunkStart = begin + 1;
  let i = chunkStart;
  for (;;) {
    while (i < s.length && s[i] !== CH.quote && s[i] !== CH.backslash) {
      if (s[i] <= 0x1f) throw new DecodeFailure(i, 'Invalid control character at');
      i++;
    }
    if (i >= s.length) throw new DecodeFailure(begin, 'Unterminated string starting at');
    value += codePointsToString(s, chunkStart, i);
    if (s[i] === CH.quote) return { value, end: i + 1 };
    const escape = scanEscape(s, i, begin);
    value += escape.text;
    i = chunkStart = escape.end;
  }
}

// --- numbers ---------------------------------------------------------------

function countDigits(s: CodePoints, idx: number): number {
  let n = idx;
  while (n < s.length && isDigit(s[n])) n++;
  return n;
}

/** `_match_number_unicode`; `null` means "no number here" (StopIteration). */
function matchNumber(s: CodePoints, start: number): { value: bigint | number; end: number } | null {
  const endIdx = s.length - 1;
  let idx = start;
  if (s[idx] === CH.minus) {
    idx++;
    if (idx > endIdx) return null;
  }
  if (s[idx] >= CH.one && s[idx] <= CH.nine) idx = countDigits(s, idx + 1);
  else if (s[idx] === CH.zero) idx++;
  else return null;
  const intEnd = idx;

  let isFloat = false;
  if (idx < endIdx && s[idx] === CH.dot && isDigit(s[idx + 1])) {
    isFloat = true;
    idx = countDigits(s, idx + 2);
  }
  if (idx < endIdx && (s[idx] === CH.lowerE || s[idx] === CH.upperE)) {
    const eStart = idx;
    idx++;
    if (idx < endIdx && (s[idx] === CH.minus || s[idx] === CH.plus)) idx++;
    idx = countDigits(s, idx);
    if (isDigit(s[idx - 1])) isFloat = true;
    else idx = eStart;
  }

  const text = asciiSlice(s, start, idx);
  if (isFloat) return { value: Number(text), end: idx };
  const digitCount = intEnd - (s[start] === CH.minus ? start + 1 : start);
  if (digitCount > INT_MAX_STR_DIGITS) throw new IntLimitFailure();
  return { value: BigInt(text), end: idx };
}

// --- values and containers -------------------------------------------------

type Frame =
  | { readonly kind: 'array'; readonly items: PyValue[] }
  | { readonly kind: 'object'; readonly dict: PyDict; key: string };

type Step =
  | { readonly kind: 'value'; readonly value: PyValue; readonly end: number }
  | { readonly kind: 'open'; readonly frame: Frame; readonly end: number };

const LITERALS: readonly (readonly [string, PyValue])[] = [
  ['null', null],
  ['true', true],
  ['false', false],
  ['NaN', NaN],
  ['Infinity', Infinity],
  ['-Infinity', -Infinity],
];

/** Reads `"key"` + ws + `:` + ws at idx; returns the index where the value should start. */
function scanMemberKey(s: CodePoints, idx: number): { key: string; end: number } {
  if (s[idx] !== CH.quote) {
    throw new DecodeFailure(idx, 'Expecting property name enclosed in double quotes');
  }
  const key = scanString(s, idx);
  const colon = skipWhitespace(s, key.end);
  if (s[colon] !== CH.colon) throw new DecodeFailure(colon, "Expecting ':' delimiter");
  return { key: key.value, end: skipWhitespace(s, colon + 1) };
}

function openObject(s: CodePoints, idx: number): Step {
  const first = skipWhitespace(s, idx + 1);
  if (s[first] === CH.rbrace) return { kind: 'value', value: new Map(), end: first + 1 };
  const member = scanMemberKey(s, first);
  return { kind: 'open', frame: { kind: 'object', dict: new Map(), key: member.key }, end: member.end };
}

function openArray(s: CodePoints, idx: number): Step {
  const first = skipWhitespace(s, idx + 1);
  if (s[first] === CH.rbracket) return { kind: 'value', value: [], end: first + 1 };
  return { kind: 'open', frame: { kind: 'array', items: [] }, end: first };
}

/** `scan_once_unicode`: one value, or the opening of a non-empty container. */
function scanOnce(s: CodePoints, idx: number, depth: number): Step {
  if (idx >= s.length) throw new DecodeFailure(idx, 'Expecting value');
  const c = s[idx];
  if (c === CH.quote) {
    const str = scanString(s, idx);
    return { kind: 'value', value: str.value, end: str.end };
  }
  if (c === CH.lbrace || c === CH.lbracket) {
    // CPython raises RecursionError here; we answer a decode error instead.
    if (depth >= MAX_NESTING_DEPTH) throw new DecodeFailure(idx, 'Maximum nesting depth exceeded');
    return c === CH.lbrace ? openObject(s, idx) : openArray(s, idx);
  }
  for (const [text, value] of LITERALS) {
    if (matchesAt(s, idx, text)) return { kind: 'value', value, end: idx + text.length };
  }
  const num = matchNumber(s, idx);
  if (num === null) throw new DecodeFailure(idx, 'Expecting value');
  return { kind: 'value', value: num.value, end: num.end };
}

/**
 * Stores a finished value into the innermost container and consumes the
 * delimiter after it. Returns where the next member's value starts, or
 * `closed` with the index after the closing bracket.
 */
function continueContainer(
  s: CodePoints,
  frame: Frame,
  value: PyValue,
  idx: number,
): { closed: boolean; end: number } {
  // Map.set keeps the first insertion position for duplicate keys, like dict.
  if (frame.kind === 'array') frame.items.push(value);
  else frame.dict.set(frame.key, value);

  const i = skipWhitespace(s, idx);
  const closer = frame.kind === 'array' ? CH.rbracket : CH.rbrace;
  if (s[i] === closer) return { closed: true, end: i + 1 };
  if (s[i] !== CH.comma) throw new DecodeFailure(i, "Expecting ',' delimiter");
  const next = skipWhitespace(s, i + 1);
  if (frame.kind === 'array') return { closed: false, end: next };
  const member = scanMemberKey(s, next);
  frame.key = member.key;
  return { closed: false, end: member.end };
}

function scanValue(s: CodePoints, start: number): { value: PyValue; end: number } {
  const stack: Frame[] = [];
  let idx = start;
  for (;;) {
    let step = scanOnce(s, idx, stack.length);
    while (step.kind === 'open') {
      stack.push(step.frame);
      step = scanOnce(s, step.end, stack.length);
    }
    let value = step.value;
    idx = step.end;
    for (;;) {
      const frame = stack.at(-1);
      if (frame === undefined) return { value, end: idx };
      const next = continueContainer(s, frame, value, idx);
      idx = next.end;
      if (!next.closed) break;
      stack.pop();
      value = frame.kind === 'array' ? frame.items : frame.dict;
    }
  }
}

function scanDocument(s: CodePoints): PyValue {
  const { value, end } = scanValue(s, skipWhitespace(s, 0));
  const rest = skipWhitespace(s, end);
  if (rest !== s.length) throw new DecodeFailure(rest, 'Extra data');
  return value;
}

/** `json.loads(raw)` as CPython 3.12 does it, with Python str indices in errors. */
export function decodeJsonBody(raw: Buffer): DecodeResult {
  const codePoints = decodeToCodePoints(raw, detectEncoding(raw));
  if (codePoints === null) return { ok: false, kind: 'encoding' };
  try {
    return { ok: true, value: scanDocument(codePoints) };
  } catch (err) {
    if (err instanceof DecodeFailure) return { ok: false, kind: 'decode', pos: err.pos, msg: err.msg };
    if (err instanceof IntLimitFailure) return { ok: false, kind: 'int-limit' };
    throw err;
  }
}

// ---------------------------------------------------------------------------
// Serialisation: json.dumps(v, ensure_ascii=False, separators=(",", ":"))
// ---------------------------------------------------------------------------

const STRING_ESCAPES: Readonly<Record<string, string>> = {
  '"': '\\"',
  '\\': '\\\\',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\b': '\\b',
  '\f': '\\f',
};

// Lone surrogates are escaped (Python would emit them raw and then fail to
// encode the response as UTF-8); paired ones form a real character.
const NEEDS_ESCAPE = /["\\\u0000-\u001f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

function escapeChar(ch: string): string {
  return STRING_ESCAPES[ch] ?? `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

export function pyStringLiteral(s: string): string {
  return `"${s.replace(NEEDS_ESCAPE, escapeChar)}"`;
}

/** Python `float.__repr__`: shortest round-trip digits, sci notation outside 1e-4 <= |x| < 1e16. */
export function pyFloatRepr(n: number): string {
  if (n === 0) return Object.is(n, -0) ? '-0.0' : '0.0';
  const [mantissa, expText] = n.toExponential().split('e');
  const exp = Number(expText);
  const sign = n < 0 ? '-' : '';
  const digits = mantissa.replace('-', '').replace('.', '');
  if (exp < -4 || exp >= 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${sign}${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  if (digits.length <= exp + 1) return `${sign}${digits}${'0'.repeat(exp + 1 - digits.length)}.0`;
  return `${sign}${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
}

function isPlainObject(v: object): v is { readonly [key: string]: DumpInput | undefined } {
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function dumpEntries(entries: Iterable<readonly [string, DumpInput | undefined]>): string {
  const parts: string[] = [];
  for (const [key, value] of entries) {
    if (typeof key !== 'string') throw new TypeError('pyDumps: dict keys must be strings');
    if (value !== undefined) parts.push(`${pyStringLiteral(key)}:${pyDumps(value)}`);
  }
  return `{${parts.join(',')}}`;
}

/**
 * JS `number` is always treated as a Python float (`1` → `1.0`); pass
 * integers as `bigint`. Non-finite floats become `null` (deliberate
 * deviation: Python would print NaN/Infinity, FastAPI would then fail).
 * `undefined` dict values are omitted.
 */
export function pyDumps(value: DumpInput): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'string':
      return pyStringLiteral(value);
    case 'bigint':
      return value.toString();
    case 'number':
      return Number.isFinite(value) ? pyFloatRepr(value) : 'null';
  }
  if (Array.isArray(value)) return `[${value.map((item: DumpInput) => pyDumps(item)).join(',')}]`;
  if (value instanceof Map) return dumpEntries(value.entries());
  if (typeof value === 'object' && isPlainObject(value)) return dumpEntries(Object.entries(value));
  throw new TypeError(`pyDumps: unsupported value of type ${typeof value}`);
}

// ---------------------------------------------------------------------------
// Conversions to and from plain JS
// ---------------------------------------------------------------------------

/**
 * PyValue → plain JSON-compatible JS (e.g. for GraphQL extensions). Ints
 * beyond 2^53 become strings; integer-like dict keys are reordered by JS.
 */
export function toPlainJson(v: PyValue): unknown {
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return v;
  if (typeof v === 'bigint') {
    const n = Number(v);
    return Number.isSafeInteger(n) ? n : v.toString();
  }
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (Array.isArray(v)) return v.map(toPlainJson);
  const out: Record<string, unknown> = {};
  for (const [key, item] of v) {
    // defineProperty so a "__proto__" key stays an own property.
    Object.defineProperty(out, key, {
      value: toPlainJson(item),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

function fromPlainEntries(entries: Iterable<readonly [unknown, unknown]>): PyDict {
  const dict: PyDict = new Map();
  for (const [key, item] of entries) {
    if (item !== undefined) dict.set(String(key), fromPlain(item));
  }
  return dict;
}

/** Plain JS → PyValue: integral numbers become Python ints, other numbers floats. */
export function fromPlain(v: unknown): PyValue {
  if (v === null || v === undefined) return null;
  switch (typeof v) {
    case 'boolean':
    case 'string':
    case 'bigint':
      return v;
    case 'number':
      return Number.isInteger(v) ? BigInt(v) : v;
    case 'object':
      if (Array.isArray(v)) return v.map(fromPlain);
      if (v instanceof Map) return fromPlainEntries(v.entries());
      return fromPlainEntries(Object.entries(v));
  }
  throw new TypeError(`fromPlain: unsupported value of type ${typeof v}`);
}

/**
 * A UTC instant as pydantic 2 writes an aware `datetime` in JSON: seconds precision when
 * there is no fraction, otherwise six fractional digits, and `Z`.
 */
export function pyDatetime(value: string | Date): string {
  const iso = new Date(value).toISOString(); // 2026-11-21T12:00:00.123Z
  const [seconds, millis] = iso.slice(0, -1).split('.');
  return millis === '000' ? `${seconds}Z` : `${seconds}.${millis}000Z`;
}
