/**
 * UUID parsing as pydantic 2 does it (Rust `uuid` crate, `Uuid::parse_str`),
 * including the crate's error texts. Indices and lengths in errors are UTF-8
 * byte counts because Rust indexes `str` by byte.
 */

export type UuidParseResult = { ok: true; value: string } | { ok: false; error: string };

const HYPHENATED = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const SIMPLE = /^[0-9a-fA-F]{32}$/;
const URN_PREFIX = 'urn:uuid:';
const HEX_CHAR = /^[0-9a-fA-F]$/;

const BLOCK_STARTS = [0, 9, 14, 19, 24] as const;
const GROUP_LENGTHS = [8, 4, 4, 4, 12] as const;

function canonical(hex32: string): string {
  const h = hex32.toLowerCase();
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

const utf8Length = (s: string): number => Buffer.byteLength(s, 'utf8');

/**
 * The hyphenated body for the shapes `try_parse` routes to
 * `parse_hyphenated`: 36 bytes, 38 bytes `{…}`, 45 bytes `urn:uuid:…`.
 */
function hyphenatedBody(input: string): string | null {
  const bytes = utf8Length(input);
  if (bytes === 36) return input;
  if (bytes === 38 && input.startsWith('{') && input.endsWith('}')) return input.slice(1, -1);
  if (bytes === 45 && input.startsWith(URN_PREFIX)) return input.slice(URN_PREFIX.length);
  return null;
}

function tryParse(input: string): string | null {
  if (SIMPLE.test(input)) return canonical(input);
  const body = hyphenatedBody(input);
  if (body !== null && HYPHENATED.test(body)) return canonical(body.replace(/-/g, ''));
  return null;
}

function stripWrapper(input: string): { body: string; offset: number; simple: boolean } {
  if (input.length >= 2 && input.startsWith('{') && input.endsWith('}')) {
    return { body: input.slice(1, -1), offset: 1, simple: false };
  }
  if (input.startsWith(URN_PREFIX)) {
    return { body: input.slice(URN_PREFIX.length), offset: URN_PREFIX.length, simple: false };
  }
  return { body: input, offset: 0, simple: true };
}

/** `InvalidUuid::into_err` on the byte slice the parser rejected. */
function describeFailure(rejected: string): string {
  const { body, offset, simple } = stripWrapper(rejected);
  const hyphenPositions: number[] = [];
  let hyphenCount = 0;
  let byteIndex = 0;
  for (const ch of body) {
    if (ch === '-') {
      if (hyphenCount < 4) hyphenPositions.push(byteIndex);
      hyphenCount++;
    } else if (!HEX_CHAR.test(ch)) {
      return `invalid character: found \`${ch}\` at ${byteIndex + offset + 1}`;
    }
    byteIndex += utf8Length(ch);
  }

  const rejectedBytes = utf8Length(rejected);
  if (hyphenCount === 0 && simple) {
    return `invalid length: expected length 32 for simple format, found ${rejectedBytes}`;
  }
  if (hyphenCount !== 4) return `invalid group count: expected 5, found ${hyphenCount + 1}`;
  for (let i = 0; i < 4; i++) {
    if (hyphenPositions[i] !== BLOCK_STARTS[i + 1] - 1) {
      return groupLengthError(i, hyphenPositions[i] - BLOCK_STARTS[i]);
    }
  }
  // Crate quirk: measured on the whole rejected slice, wrapper included.
  return groupLengthError(4, rejectedBytes - BLOCK_STARTS[4]);
}

function groupLengthError(group: number, found: number): string {
  return `invalid group length in group ${group}: expected ${GROUP_LENGTHS[group]}, found ${found}`;
}

/** Returns the canonical lower-case hyphenated form, or the crate's error text. */
export function parseUuid(input: string): UuidParseResult {
  const value = tryParse(input);
  if (value !== null) return { ok: true, value };
  // uuid 1.23 (pydantic-core 2.x): when the shape routed the input to
  // parse_hyphenated, the error is explained on the unwrapped body only, so
  // braced/URN inputs report body positions and lengths.
  return { ok: false, error: describeFailure(hyphenatedBody(input) ?? input) };
}
