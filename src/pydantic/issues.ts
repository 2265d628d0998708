import type { PyDict, PyValue } from './json';

/**
 * One entry of a FastAPI 422 list, shaped exactly like pydantic 2 reports it
 * (CONTRACT section 2): keys in the order type, loc, msg, input, ctx; no `url`.
 * Integers inside `loc` and `ctx` are bigints so they serialise as Python ints.
 */
export type LocPart = string | bigint;
export interface ValidationIssue {
  type: string;
  loc: LocPart[];
  msg: string;
  input: PyValue;
  ctx?: Map<string, PyValue>;
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

function issue(type: string, loc: LocPart[], msg: string, input: PyValue, ctx?: Record<string, PyValue>): ValidationIssue {
  const entry: ValidationIssue = { type, loc, msg, input };
  if (ctx) entry.ctx = new Map(Object.entries(ctx));
  return entry;
}

/** pydantic's messages, one builder per error type we reproduce. */
export const Issue = {
  missing: (loc: LocPart[], input: PyValue) => issue('missing', loc, 'Field required', input),
  modelAttributesType: (loc: LocPart[], input: PyValue) =>
    issue('model_attributes_type', loc, 'Input should be a valid dictionary or object to extract fields from', input),
  jsonInvalid: (position: number, reason: string) =>
    issue('json_invalid', ['body', BigInt(position)], 'JSON decode error', new Map(), { error: reason }),
  stringType: (loc: LocPart[], input: PyValue) => issue('string_type', loc, 'Input should be a valid string', input),
  stringTooShort: (loc: LocPart[], input: PyValue, min: number) =>
    issue('string_too_short', loc, `String should have at least ${plural(min, 'character')}`, input, { min_length: BigInt(min) }),
  stringTooLong: (loc: LocPart[], input: PyValue, max: number) =>
    issue('string_too_long', loc, `String should have at most ${plural(max, 'character')}`, input, { max_length: BigInt(max) }),
  stringPatternMismatch: (loc: LocPart[], input: PyValue, pattern: string) =>
    issue('string_pattern_mismatch', loc, `String should match pattern '${pattern}'`, input, { pattern }),
  email: (loc: LocPart[], input: PyValue, reason: string) =>
    issue('value_error', loc, `value is not a valid email address: ${reason}`, input, { reason }),
  /** A field validator's ValueError: FastAPI encodes the exception in `ctx` as `{}`. */
  valueError: (loc: LocPart[], input: PyValue, message: string) =>
    issue('value_error', loc, `Value error, ${message}`, input, { error: new Map() }),
  intType: (loc: LocPart[], input: PyValue) => issue('int_type', loc, 'Input should be a valid integer', input),
  intParsing: (loc: LocPart[], input: PyValue) =>
    issue('int_parsing', loc, 'Input should be a valid integer, unable to parse string as an integer', input),
  intFromFloat: (loc: LocPart[], input: PyValue) =>
    issue('int_from_float', loc, 'Input should be a valid integer, got a number with a fractional part', input),
  finiteNumber: (loc: LocPart[], input: PyValue) => issue('finite_number', loc, 'Input should be a finite number', input),
  greaterThanEqual: (loc: LocPart[], input: PyValue, ge: number) =>
    issue('greater_than_equal', loc, `Input should be greater than or equal to ${ge}`, input, { ge: BigInt(ge) }),
  lessThanEqual: (loc: LocPart[], input: PyValue, le: number) =>
    issue('less_than_equal', loc, `Input should be less than or equal to ${le}`, input, { le: BigInt(le) }),
  boolType: (loc: LocPart[], input: PyValue) => issue('bool_type', loc, 'Input should be a valid boolean', input),
  boolParsing: (loc: LocPart[], input: PyValue) =>
    issue('bool_parsing', loc, 'Input should be a valid boolean, unable to interpret input', input),
  enum: (loc: LocPart[], input: PyValue, expected: string) =>
    issue('enum', loc, `Input should be ${expected}`, input, { expected }),
  listType: (loc: LocPart[], input: PyValue) => issue('list_type', loc, 'Input should be a valid list', input),
  listTooLong: (loc: LocPart[], input: PyValue, max: number, actual: number) =>
    issue('too_long', loc, `List should have at most ${plural(max, 'item')} after validation, not ${actual}`, input, {
      field_type: 'List',
      max_length: BigInt(max),
      actual_length: BigInt(actual),
    }),
  uuidParsing: (loc: LocPart[], input: PyValue, error: string) =>
    issue('uuid_parsing', loc, `Input should be a valid UUID, ${error}`, input, { error }),
};

/** pydantic lists enum members as `'a', 'b' or 'c'`. */
export function expectedEnumText(values: readonly string[]): string {
  const quoted = values.map((v) => `'${v}'`);
  return quoted.length <= 1 ? quoted.join('') : `${quoted.slice(0, -1).join(', ')} or ${quoted[quoted.length - 1]}`;
}

/** The issue as an ordered Python dict (the key order FastAPI writes). */
export function issueToPy(entry: ValidationIssue): PyDict {
  const dict: PyDict = new Map<string, PyValue>([
    ['type', entry.type],
    ['loc', entry.loc],
    ['msg', entry.msg],
    ['input', entry.input],
  ]);
  if (entry.ctx) dict.set('ctx', entry.ctx);
  return dict;
}
