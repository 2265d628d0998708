import { parseUuid } from '../../src/pydantic/uuid';

// Expected texts were derived from pydantic 2 (pydantic-core, Rust uuid 1.23):
// the message after "Input should be a valid UUID, ".

const CANONICAL = '6ba7b810-9dad-11d1-80b4-00c04fd430c8';

describe('parseUuid: accepted forms', () => {
  it.each([
    ['hyphenated', CANONICAL],
    ['upper case', CANONICAL.toUpperCase()],
    ['mixed case', '6BA7b810-9DAD-11d1-80B4-00c04FD430C8'],
    ['simple', CANONICAL.replace(/-/g, '')],
    ['simple upper case', CANONICAL.replace(/-/g, '').toUpperCase()],
    ['braced', `{${CANONICAL}}`],
    ['braced upper case', `{${CANONICAL.toUpperCase()}}`],
    ['urn', `urn:uuid:${CANONICAL}`],
    ['urn upper-case hex', `urn:uuid:${CANONICAL.toUpperCase()}`],
  ])('%s', (_name, input) => {
    expect(parseUuid(input)).toEqual({ ok: true, value: CANONICAL });
  });

  it('accepts the nil and max UUIDs', () => {
    expect(parseUuid('00000000-0000-0000-0000-000000000000')).toEqual({
      ok: true,
      value: '00000000-0000-0000-0000-000000000000',
    });
    expect(parseUuid('F'.repeat(32))).toEqual({ ok: true, value: 'ffffffff-ffff-ffff-ffff-ffffffffffff' });
  });
});

describe('parseUuid: errors', () => {
  const a = (n: number): string => 'a'.repeat(n);

  it.each([
    // invalid character (1-based UTF-8 byte index)
    ['not-a-uuid', 'invalid character: found `n` at 1'],
    ['{', 'invalid character: found `{` at 1'],
    ['urn:uuid', 'invalid character: found `u` at 1'],
    [`URN:UUID:${CANONICAL}`, 'invalid character: found `U` at 1'],
    [' 6ba7b810', 'invalid character: found ` ` at 1'],
    ['6ba7b81g', 'invalid character: found `g` at 8'],
    ['ééé', 'invalid character: found `é` at 1'],
    ['ab😀cd', 'invalid character: found `😀` at 3'],
    ['aéxé', 'invalid character: found `é` at 2'],
    ['éx', 'invalid character: found `é` at 1'],
    ['12€x', 'invalid character: found `€` at 3'],
    ['1é2x', 'invalid character: found `é` at 2'],
    ['1é2x'.replace('é', '-é'), 'invalid character: found `é` at 3'],
    // wrapper offsets when the shape does not match (not 38/45 bytes)
    ['{x}', 'invalid character: found `x` at 2'],
    ['{é}', 'invalid character: found `é` at 2'],
    ['{{}', 'invalid character: found `{` at 2'],
    ['{aéx}', 'invalid character: found `é` at 3'],
    ['urn:uuid:é', 'invalid character: found `é` at 10'],
    ['urn:uuid:ab😀x', 'invalid character: found `😀` at 12'],
    [`{${a(35)}é}`, 'invalid character: found `é` at 37'],
    // 38-byte braced / 45-byte URN shapes: positions within the body
    ['{e6b5x82c4-da45-432-a4de-ba6a4e682b57}', 'invalid character: found `x` at 5'],
    ['{}6abae73f-b253-494a-9b0f-a421f91eb78}', 'invalid character: found `}` at 1'],
    ['{{aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaax}', 'invalid character: found `{` at 1'],
    ['urn:uuid:4abae73f-b253-:94a-9b0f-a421f91eb78f', 'invalid character: found `:` at 15'],
    ['urn:uuid:6abae7 f-b253-494a-9b0f-a421f91eb78f', 'invalid character: found ` ` at 7'],
    // simple length (UTF-8 bytes of the rejected input)
    ['', 'invalid length: expected length 32 for simple format, found 0'],
    ['abcd', 'invalid length: expected length 32 for simple format, found 4'],
    [a(31), 'invalid length: expected length 32 for simple format, found 31'],
    [a(33), 'invalid length: expected length 32 for simple format, found 33'],
    [a(36), 'invalid length: expected length 32 for simple format, found 36'],
    [`{${a(36)}}`, 'invalid length: expected length 32 for simple format, found 36'],
    [`urn:uuid:${a(36)}`, 'invalid length: expected length 32 for simple format, found 36'],
    // group count
    ['12345678-1234-1234-1234', 'invalid group count: expected 5, found 4'],
    [`${CANONICAL}-`, 'invalid group count: expected 5, found 6'],
    ['{}', 'invalid group count: expected 5, found 1'],
    ['{-}', 'invalid group count: expected 5, found 2'],
    ['urn:uuid:', 'invalid group count: expected 5, found 1'],
    ['urn:uuid:a-b', 'invalid group count: expected 5, found 2'],
    [`{${CANONICAL.replace(/-/g, '')}}`, 'invalid group count: expected 5, found 1'],
    [`{{${a(34)}}}`, 'invalid group count: expected 5, found 1'],
    [`urn:uuid:{${a(34)}}`, 'invalid group count: expected 5, found 1'],
    [`urn:uuid:urn:uuid:${a(27)}`, 'invalid group count: expected 5, found 1'],
    [`{${a(35)}-}`, 'invalid group count: expected 5, found 2'],
    // group length
    ['a-b-c-d-e', 'invalid group length in group 0: expected 8, found 1'],
    ['1234567-81234-1234-1234-1234567890ab', 'invalid group length in group 0: expected 8, found 7'],
    ['12345678-123-41234-1234-1234567890ab', 'invalid group length in group 1: expected 4, found 3'],
    ['12345678-1234-12345-234-1234567890ab', 'invalid group length in group 2: expected 4, found 5'],
    ['12345678-1234-1234-12341-234567890ab', 'invalid group length in group 3: expected 4, found 5'],
    [`{${a(30)}----aa}`, 'invalid group length in group 0: expected 8, found 30'],
    ['12345678-1234-1234-1234-1234567890123', 'invalid group length in group 4: expected 12, found 13'],
    ['12345678-1234-1234-1234-12345678901', 'invalid group length in group 4: expected 12, found 11'],
    // last group measured on the whole rejected input, wrapper included
    ['{12345678-1234-1234-1234-12345678901}', 'invalid group length in group 4: expected 12, found 13'],
    ['{12345678-1234-1234-1234-1234567890abc}', 'invalid group length in group 4: expected 12, found 15'],
    ['urn:uuid:12345678-1234-1234-1234-1234567890abc', 'invalid group length in group 4: expected 12, found 22'],
  ])('%j', (input, error) => {
    expect(parseUuid(input)).toEqual({ ok: false, error });
  });
});
