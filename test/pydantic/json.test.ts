import {
  decodeJsonBody,
  detectEncoding,
  fromPlain,
  MAX_NESTING_DEPTH,
  pyDumps,
  pyFloatRepr,
  pyStringLiteral,
  toPlainJson,
  type DecodeResult,
  type PyValue,
} from '../../src/pydantic/json';

// Expected values below were derived from CPython's json module (C scanner).

const decode = (input: string | Buffer): DecodeResult =>
  decodeJsonBody(typeof input === 'string' ? Buffer.from(input, 'utf8') : input);

function decodeOk(input: string | Buffer): PyValue {
  const r = decode(input);
  if (!r.ok) throw new Error(`expected success, got ${JSON.stringify(r)}`);
  return r.value;
}

const roundTrip = (input: string | Buffer): string => pyDumps(decodeOk(input));

const utf16le = (s: string): Buffer => Buffer.from(s, 'utf16le');
const utf16be = (s: string): Buffer => utf16le(s).swap16();
function utf32(s: string, le: boolean): Buffer {
  const cps = Array.from(s, (ch) => ch.codePointAt(0) ?? 0);
  const b = Buffer.alloc(cps.length * 4);
  cps.forEach((cp, i) => (le ? b.writeUInt32LE(cp, i * 4) : b.writeUInt32BE(cp, i * 4)));
  return b;
}

describe('decodeJsonBody: error messages and positions', () => {
  const cases: [string, string, number][] = [
    // top level
    ['', 'Expecting value', 0],
    [' \n\t\r', 'Expecting value', 4],
    ['\u00a01', 'Expecting value', 0],
    ['[1] x', 'Extra data', 4],
    ['{"a":1}}', 'Extra data', 7],
    ['"a"\u0000', 'Extra data', 3],
    ['nulls', 'Extra data', 4],
    ['NaN1', 'Extra data', 3],
    ['-Infinityx', 'Extra data', 9],
    // literals fall through to the number matcher
    ['tru', 'Expecting value', 0],
    ['nul', 'Expecting value', 0],
    ['-infinity', 'Expecting value', 0],
    ['-Inf', 'Expecting value', 0],
    // numbers
    ['-', 'Expecting value', 0],
    ['-a', 'Expecting value', 0],
    ['[-]', 'Expecting value', 1],
    ['[-x]', 'Expecting value', 1],
    ['[.5]', 'Expecting value', 1],
    ['[+1]', 'Expecting value', 1],
    ['\uff11', 'Expecting value', 0],
    ['01', 'Extra data', 1],
    ['[01]', "Expecting ',' delimiter", 2],
    ['1.', 'Extra data', 1],
    ['[1.e5]', "Expecting ',' delimiter", 2],
    ['1e', 'Extra data', 1],
    ['1e+', 'Extra data', 1],
    ['[1e]', "Expecting ',' delimiter", 2],
    ['1.5e', 'Extra data', 3],
    // arrays
    ['[', 'Expecting value', 1],
    ['[1,]', 'Expecting value', 3],
    ['[1 2]', "Expecting ',' delimiter", 3],
    ['[1,2', "Expecting ',' delimiter", 4],
    // objects
    ['{', 'Expecting property name enclosed in double quotes', 1],
    ['{"a":1,}', 'Expecting property name enclosed in double quotes', 7],
    ['{"a":1,', 'Expecting property name enclosed in double quotes', 7],
    ['{1:2}', 'Expecting property name enclosed in double quotes', 1],
    ["{'a':1}", 'Expecting property name enclosed in double quotes', 1],
    ['{"a"', "Expecting ':' delimiter", 4],
    ['{"a" 1}', "Expecting ':' delimiter", 5],
    ['{"a":', 'Expecting value', 5],
    ['{"a":}', 'Expecting value', 5],
    ['{"a":1', "Expecting ',' delimiter", 6],
    ['{"a":1 "b"}', "Expecting ',' delimiter", 7],
    // strings
    ['"abc', 'Unterminated string starting at', 0],
    ['["abc', 'Unterminated string starting at', 1],
    ['"\\', 'Unterminated string starting at', 0],
    ['"a\u0001"', 'Invalid control character at', 2],
    ['"a\nb"', 'Invalid control character at', 2],
    ['"\\x"', 'Invalid \\escape', 1],
    ['"\\u12"', 'Invalid \\uXXXX escape', 2],
    ['"\\u123"', 'Invalid \\uXXXX escape', 2],
    ['"\\u123x"', 'Invalid \\uXXXX escape', 2],
    // 4 digits but the escape ends the input: CPython's `end >= len` check
    ['"\\u1234', 'Invalid \\uXXXX escape', 2],
    ['"\\ud800\\"', 'Unterminated string starting at', 0],
    ['"\\ud800\\u12"', 'Invalid \\uXXXX escape', 8],
    ['"\\ud800\\u"', 'Invalid \\uXXXX escape', 8],
    ['"\\ud800\\uzzzz"', 'Invalid \\uXXXX escape', 8],
    ['"\\ud800\\udZZZ"', 'Invalid \\uXXXX escape', 8],
    ['"\\ud800\\udc00', 'Invalid \\uXXXX escape', 8],
    ['"\\ud800\\x"', 'Invalid \\escape', 7],
  ];

  it.each(cases)('%j -> %s at %i', (input, msg, pos) => {
    expect(decode(input)).toEqual({ ok: false, kind: 'decode', msg, pos });
  });
});

describe('decodeJsonBody: positions count code points', () => {
  const cases: [string, string, number][] = [
    ['{"é":1,}', 'Expecting property name enclosed in double quotes', 7],
    ['["😀",]', 'Expecting value', 5],
    ['["😀" x]', "Expecting ',' delimiter", 5],
    ['{"😀😀":1 "b":2}', "Expecting ',' delimiter", 8],
    ['"😀\u0001"', 'Invalid control character at', 2],
    ['"😀\\q"', 'Invalid \\escape', 2],
    ['"😀\\u12"', 'Invalid \\uXXXX escape', 3],
    ['["\\u00e9\\ud800\\udc00x",1,]', 'Expecting value', 25],
    ['["😀"] 😀', 'Extra data', 6],
  ];

  it.each(cases)('%j -> %s at %i', (input, msg, pos) => {
    expect(decode(input)).toEqual({ ok: false, kind: 'decode', msg, pos });
  });
});

describe('decodeJsonBody: values', () => {
  it('maps ints to bigint and floats to number', () => {
    expect(decodeOk('[0,-0,1,-2,12345678901234567890123]')).toEqual([0n, 0n, 1n, -2n, 12345678901234567890123n]);
    const floats = decodeOk('[2.5,-0.0,1E5,1e-7,1.0e+2,1e400,-1e400,1e-400]') as number[];
    expect(floats).toEqual([2.5, -0, 100000, 1e-7, 100, Infinity, -Infinity, 0]);
    expect(Object.is(floats[1], -0)).toBe(true);
  });

  it('accepts NaN, Infinity and -Infinity literals', () => {
    const [nan, inf, ninf] = decodeOk('[NaN,Infinity,-Infinity]') as number[];
    expect(Number.isNaN(nan)).toBe(true);
    expect(inf).toBe(Infinity);
    expect(ninf).toBe(-Infinity);
  });

  it('decodes literals, whitespace and empty containers', () => {
    expect(decodeOk(' \t\n\r[ true , false , null , { } , [ ] ] \r\n')).toEqual([true, false, null, new Map(), []]);
  });

  it('decodes string escapes', () => {
    expect(decodeOk('"\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\u00E9"')).toBe('"\\/\b\f\n\r\té\u00e9');
    expect(decodeOk('"a\u007fb\u0080"')).toBe('a\u007fb\u0080');
  });

  it('joins surrogate pairs and keeps lone surrogates', () => {
    expect(decodeOk('"\\ud83d\\ude00"')).toBe('😀');
    expect(decodeOk('"\\ud800\\u0041"')).toBe('\ud800A');
    expect(decodeOk('"\\ud800\\ud800\\udc00"')).toBe('\ud800\ud800\udc00');
    expect(decodeOk('"\\ud800x"')).toBe('\ud800x');
    expect(decodeOk('"\\ud800\\n"')).toBe('\ud800\n');
    expect(decodeOk('"\\udc00"')).toBe('\udc00');
  });

  it('keeps Python dict order, including integer-like keys', () => {
    const value = decodeOk('{"b":1,"2":2,"a":3,"1":4}') as Map<string, PyValue>;
    expect([...value.keys()]).toEqual(['b', '2', 'a', '1']);
  });

  it('lets the last duplicate win at the position of the first', () => {
    const value = decodeOk('{"a":1,"b":2,"a":3}') as Map<string, PyValue>;
    expect([...value.entries()]).toEqual([
      ['a', 3n],
      ['b', 2n],
    ]);
  });

  it('keeps "__proto__" as an ordinary key', () => {
    const value = decodeOk('{"__proto__":{"x":1}}') as Map<string, PyValue>;
    expect(value.get('__proto__')).toEqual(new Map([['x', 1n]]));
  });
});

describe('decodeJsonBody: int digit limit (sys.get_int_max_str_digits)', () => {
  it('accepts 4300 digits, with or without a sign', () => {
    expect(decodeOk('1'.repeat(4300))).toBe(BigInt('1'.repeat(4300)));
    expect(decodeOk(`-${'1'.repeat(4300)}`)).toBe(-BigInt('1'.repeat(4300)));
  });

  it('rejects 4301 digits as a non-JSON error', () => {
    expect(decode('1'.repeat(4301))).toEqual({ ok: false, kind: 'int-limit' });
    expect(decode(`[${'1'.repeat(4301)} x`)).toEqual({ ok: false, kind: 'int-limit' });
  });

  it('does not limit floats', () => {
    expect(decodeOk(`${'1'.repeat(4301)}.0`)).toBe(Infinity);
  });
});

describe('decodeJsonBody: nesting', () => {
  it(`accepts ${MAX_NESTING_DEPTH} levels`, () => {
    const n = MAX_NESTING_DEPTH;
    expect(roundTrip('['.repeat(n) + ']'.repeat(n))).toBe('['.repeat(n) + ']'.repeat(n));
    const objects = '{"a":'.repeat(n - 1) + '{}' + '}'.repeat(n - 1);
    expect(roundTrip(objects)).toBe(objects);
  });

  it('reports the bracket that exceeds the limit', () => {
    const n = MAX_NESTING_DEPTH + 1;
    expect(decode('['.repeat(n) + ']'.repeat(n))).toEqual({
      ok: false,
      kind: 'decode',
      pos: MAX_NESTING_DEPTH,
      msg: 'Maximum nesting depth exceeded',
    });
    expect(decode('[{"é":'.repeat(600))).toEqual({
      ok: false,
      kind: 'decode',
      pos: 6 * 500,
      msg: 'Maximum nesting depth exceeded',
    });
  });

  it('does not overflow the stack on 500k brackets', () => {
    const r = decode('['.repeat(500_000));
    expect(r).toEqual({ ok: false, kind: 'decode', pos: MAX_NESTING_DEPTH, msg: 'Maximum nesting depth exceeded' });
  });
});

describe('decodeJsonBody: encodings', () => {
  it.each([
    ['utf-8', Buffer.from('[1]')],
    ['utf-8-sig', Buffer.from('\ufeff[1]')],
    ['utf-16', Buffer.concat([Buffer.from([0xff, 0xfe]), utf16le('[1]')])],
    ['utf-16', Buffer.concat([Buffer.from([0xfe, 0xff]), utf16be('[1]')])],
    ['utf-16-le', utf16le('[1]')],
    ['utf-16-be', utf16be('[1]')],
    ['utf-16-le', utf16le('1')],
    ['utf-16-be', utf16be('1')],
    ['utf-32', Buffer.concat([Buffer.from([0xff, 0xfe, 0, 0]), utf32('[1]', true)])],
    ['utf-32', Buffer.concat([Buffer.from([0, 0, 0xfe, 0xff]), utf32('[1]', false)])],
    ['utf-32-le', utf32('[1]', true)],
    ['utf-32-be', utf32('[1]', false)],
    ['utf-16-le', Buffer.from([0x31, 0x00, 0x00, 0x31])],
  ])('detects %s', (encoding, raw) => {
    expect(detectEncoding(raw)).toBe(encoding);
  });

  it.each([
    ['utf-8 BOM', Buffer.from('\ufeff{"é":[1]}')],
    ['utf-16-le BOM', Buffer.concat([Buffer.from([0xff, 0xfe]), utf16le('{"é":[1]}')])],
    ['utf-16-be BOM', Buffer.concat([Buffer.from([0xfe, 0xff]), utf16be('{"é":[1]}')])],
    ['utf-16-le', utf16le('{"é":[1]}')],
    ['utf-16-be', utf16be('{"é":[1]}')],
    ['utf-32-le BOM', Buffer.concat([Buffer.from([0xff, 0xfe, 0, 0]), utf32('{"é":[1]}', true)])],
    ['utf-32-be BOM', Buffer.concat([Buffer.from([0, 0, 0xfe, 0xff]), utf32('{"é":[1]}', false)])],
    ['utf-32-le', utf32('{"é":[1]}', true)],
    ['utf-32-be', utf32('{"é":[1]}', false)],
  ])('decodes %s', (_name, raw) => {
    expect(roundTrip(raw)).toBe('{"é":[1]}');
  });

  it('reports code-point positions in utf-16 and utf-32 bodies', () => {
    const expected = { ok: false, kind: 'decode', msg: 'Expecting value', pos: 5 };
    expect(decode(utf16le('["😀",]'))).toEqual(expected);
    expect(decode(utf32('["😀",]', false))).toEqual(expected);
  });

  it('strips only one utf-8 BOM', () => {
    expect(decode(Buffer.from('\ufeff\ufeff1'))).toEqual({ ok: false, kind: 'decode', msg: 'Expecting value', pos: 0 });
    expect(decodeOk(Buffer.from('\ufeff 1'))).toBe(1n);
  });

  it('reads NUL-padded short bodies as utf-16/32 like detect_encoding', () => {
    expect(decodeOk(Buffer.from([0x31, 0x00]))).toBe(1n);
    expect(decodeOk(Buffer.from([0x00, 0x31]))).toBe(1n);
    expect(decodeOk(Buffer.from([0x31, 0, 0, 0]))).toBe(1n);
    expect(decodeOk(Buffer.from([0, 0, 0, 0x31]))).toBe(1n);
    expect(decode(Buffer.from([0, 0, 0]))).toEqual({ ok: false, kind: 'decode', msg: 'Expecting value', pos: 0 });
  });

  it.each([
    ['invalid start byte', Buffer.from([0x22, 0xff, 0x22])],
    ['overlong NUL', Buffer.from([0x22, 0xc0, 0x80, 0x22])],
    ['overlong 3-byte', Buffer.from([0x22, 0xe0, 0x9f, 0xbf, 0x22])],
    ['above U+10FFFF', Buffer.from([0x22, 0xf4, 0x90, 0x80, 0x80, 0x22])],
    ['truncated sequence', Buffer.from([0x22, 0xe2, 0x82])],
    ['truncated surrogate', Buffer.from([0x22, 0xed, 0xa0, 0x22])],
    ['odd utf-16 length', Buffer.from([0xfe, 0xff, 0x00])],
    ['odd utf-16-le length', Buffer.from([0x22, 0x00, 0x00, 0xd8, 0x22])],
    ['truncated utf-32', Buffer.from([0xff, 0xfe, 0, 0, 0x31, 0])],
    ['utf-32 above U+10FFFF', Buffer.from([0x31, 0, 0, 0, 0, 0, 0x11, 0])],
  ])('rejects %s as an encoding error', (_name, raw) => {
    expect(decode(raw)).toEqual({ ok: false, kind: 'encoding' });
  });

  it('accepts encoded lone surrogates (surrogatepass)', () => {
    expect(decodeOk(Buffer.from([0x22, 0xed, 0xa0, 0x80, 0x22]))).toBe('\ud800');
    expect(decodeOk(Buffer.from([0x22, 0x00, 0x00, 0xdc, 0x00, 0xd8, 0x22, 0x00]))).toBe('\udc00\ud800');
    expect(decodeOk(Buffer.from([0, 0, 0, 0x22, 0, 0, 0xd8, 0, 0, 0, 0, 0x22]))).toBe('\ud800');
  });

  it('counts a CESU-8 pair as two code points', () => {
    const raw = Buffer.from([0x5b, 0x22, 0xed, 0xa0, 0xbd, 0xed, 0xb8, 0x80, 0x22, 0x2c, 0x5d]);
    expect(decode(raw)).toEqual({ ok: false, kind: 'decode', msg: 'Expecting value', pos: 6 });
  });
});

describe('pyFloatRepr', () => {
  it.each([
    [1.0, '1.0'],
    [1e16, '1e+16'],
    [1e15, '1000000000000000.0'],
    [1e-5, '1e-05'],
    [0.0001, '0.0001'],
    [0.00012, '0.00012'],
    [0, '0.0'],
    [-0, '-0.0'],
    [1.5, '1.5'],
    [-1.5, '-1.5'],
    [123456789.123, '123456789.123'],
    [0.1, '0.1'],
    [1 / 3, '0.3333333333333333'],
    [100000, '100000.0'],
    [1e22, '1e+22'],
    [1e100, '1e+100'],
    [2.5e-300, '2.5e-300'],
    [123e-20, '1.23e-18'],
    [-1.25e-7, '-1.25e-07'],
    [5e-324, '5e-324'],
    [1.7976931348623157e308, '1.7976931348623157e+308'],
    [9007199254740993, '9007199254740992.0'],
    [1234567890123456.7, '1234567890123456.8'],
    [12345678901234567, '1.2345678901234568e+16'],
  ])('%p -> %s', (n, expected) => {
    expect(pyFloatRepr(n)).toBe(expected);
  });
});

describe('pyStringLiteral', () => {
  it.each([
    ['plain', '"plain"'],
    ['"\\/', '"\\"\\\\/"'],
    ['\b\f\n\r\t', '"\\b\\f\\n\\r\\t"'],
    ['\u0000\u0001\u001f', '"\\u0000\\u0001\\u001f"'],
    ['\u001b', '"\\u001b"'],
    ['\u007f\u0080é€😀', '"\u007f\u0080é€😀"'],
    ['\u2028\u2029', '"\u2028\u2029"'],
    ['\ud800', '"\\ud800"'],
    ['a\udfffb', '"a\\udfffb"'],
    ['\udc00\ud800', '"\\udc00\\ud800"'],
    ['\ud83d\ude00', '"😀"'],
  ])('%j -> %s', (input, expected) => {
    expect(pyStringLiteral(input)).toBe(expected);
  });
});

describe('pyDumps', () => {
  it('serialises scalars the Python way', () => {
    expect(pyDumps(null)).toBe('null');
    expect(pyDumps(true)).toBe('true');
    expect(pyDumps(false)).toBe('false');
    expect(pyDumps(3n)).toBe('3');
    expect(pyDumps(-12345678901234567890n)).toBe('-12345678901234567890');
    expect(pyDumps(3)).toBe('3.0');
    expect(pyDumps('é')).toBe('"é"');
  });

  it('prints non-finite floats as null', () => {
    expect(pyDumps([NaN, Infinity, -Infinity])).toBe('[null,null,null]');
  });

  it('serialises containers compactly in insertion order', () => {
    const dict = new Map<string, PyValue>([
      ['b', 1n],
      ['2', [true, null]],
    ]);
    expect(pyDumps(dict)).toBe('{"b":1,"2":[true,null]}');
    expect(pyDumps({ z: 1n, a: 'x', skipped: undefined, nested: { k: [] } })).toBe('{"z":1,"a":"x","nested":{"k":[]}}');
    expect(pyDumps(new Map([['a', undefined]]))).toBe('{}');
    expect(pyDumps([])).toBe('[]');
    expect(pyDumps(new Map())).toBe('{}');
  });

  it('rejects values Python could not serialise', () => {
    expect(() => pyDumps(new Date() as never)).toThrow(TypeError);
    expect(() => pyDumps([undefined] as never)).toThrow(TypeError);
  });
});

describe('pyDumps(decodeJsonBody(x)) matches Python json.dumps(json.loads(x))', () => {
  it.each([
    [
      '{"b":1,"2":2,"a":[1,2.50,-0.0,1E5,1e-7,0.0001,1e16,123456789.123,-0,true,false,null]}',
      '{"b":1,"2":2,"a":[1,2.5,-0.0,100000.0,1e-07,0.0001,1e+16,123456789.123,0,true,false,null]}',
    ],
    [
      ' { "x" : "tab\\there \\u00e9\\ud83d\\ude00 \\/ \\u001f\\u007f" , "n" : { } , "l" : [ ] } ',
      '{"x":"tab\\there é😀 / \\u001f\u007f","n":{},"l":[]}',
    ],
    [
      '{"é":"😀","k":1.0e+2,"big":123456789012345678901234567890}',
      '{"é":"😀","k":100.0,"big":123456789012345678901234567890}',
    ],
    [
      '[1.5e300,2.5E-300,5e-324,1.7976931348623157e308,0.1,100.0,1e15,12345678901234567]',
      '[1.5e+300,2.5e-300,5e-324,1.7976931348623157e+308,0.1,100.0,1000000000000000.0,12345678901234567]',
    ],
    ['{"a":1,"b":2,"a":3}', '{"a":3,"b":2}'],
    ['"\\"\\\\\\b\\f\\n\\r\\t\\u0000\\u0001"', '"\\"\\\\\\b\\f\\n\\r\\t\\u0000\\u0001"'],
  ])('%s', (input, expected) => {
    expect(roundTrip(input)).toBe(expected);
  });
});

describe('toPlainJson', () => {
  it('converts to JSON-compatible JS', () => {
    const value = decodeOk('{"2":1,"a":[9007199254740993,9007199254740991,1.5,NaN,null,"s",true]}');
    const plain = toPlainJson(value);
    expect(plain).toEqual({ 2: 1, a: ['9007199254740993', 9007199254740991, 1.5, null, null, 's', true] });
    expect(JSON.stringify(plain)).toBe('{"2":1,"a":["9007199254740993",9007199254740991,1.5,null,null,"s",true]}');
  });

  it('keeps "__proto__" as an own property', () => {
    const plain = toPlainJson(decodeOk('{"__proto__":{"x":1}}')) as Record<string, unknown>;
    expect(Object.getPrototypeOf(plain)).toBe(Object.prototype);
    expect(JSON.stringify(plain)).toBe('{"__proto__":{"x":1}}');
  });
});

describe('fromPlain', () => {
  it('turns integral numbers into ints and the rest into floats', () => {
    expect(fromPlain([1, -0, 1.5, 1e21, NaN, 7n])).toEqual([1n, 0n, 1.5, 10n ** 21n, NaN, 7n]);
  });

  it('turns objects and maps into dicts and drops undefined members', () => {
    const value = fromPlain({ b: 1, 2: 'x', a: undefined, n: null, m: new Map([['k', [true]]]) });
    expect(value).toEqual(
      new Map<string, PyValue>([
        ['2', 'x'],
        ['b', 1n],
        ['n', null],
        ['m', new Map([['k', [true]]])],
      ]),
    );
    expect(pyDumps(value)).toBe('{"2":"x","b":1,"n":null,"m":{"k":[true]}}');
  });

  it('maps undefined outside objects to null', () => {
    expect(fromPlain(undefined)).toBeNull();
    expect(fromPlain([undefined])).toEqual([null]);
  });

  it('rejects functions and symbols', () => {
    expect(() => fromPlain(() => 1)).toThrow(TypeError);
    expect(() => fromPlain(Symbol('x'))).toThrow(TypeError);
  });
});
