import { validateEmail } from '../../src/pydantic/email-validator';

// Every expected value below was produced by the reference implementation:
// pydantic 2.13.5 `pydantic.networks.validate_email` (email-validator 2.3.0,
// idna 3.20, CPython 3.11). `reason` is the text pydantic puts after
// "value is not a valid email address: ".

type Row = readonly [label: string, input: string, expected: string];

const accepted: readonly Row[] = [
  ['plain address', 'user@example.com', 'user@example.com'],
  ['domain lower-cased, local part case kept', 'Alice@Example.COM', 'Alice@example.com'],
  ['surrounding spaces stripped', ' Alice@Example.COM ', 'Alice@example.com'],
  ['tabs and newlines stripped', '\t\na@b.com\r\n', 'a@b.com'],
  ['ideographic and no-break spaces stripped', '\u3000\u00a0a@b.com\u2029', 'a@b.com'],
  ['plus tag and subdomains', 'user+tag@sub.example.co.uk', 'user+tag@sub.example.co.uk'],
  ['all atext specials', "#!$%&'*+-/=?^_`{}|~@example.org", "#!$%&'*+-/=?^_`{}|~@example.org"],
  ['apostrophe', "o'reilly@example.com", "o'reilly@example.com"],
  ['digits-only labels before the TLD', 'a@123.example.com', 'a@123.example.com'],
  ['hyphen inside a label', 'a@my-host.example.com', 'a@my-host.example.com'],
  ['63-character label', 'a@' + 'x'.repeat(63) + '.com', 'a@' + 'x'.repeat(63) + '.com'],
  ['long local part (strict mode is off)', 'a'.repeat(100) + '@example.com', 'a'.repeat(100) + '@example.com'],
  [
    'total length exactly 254',
    'a'.repeat(64) + '@' + 'b'.repeat(63) + '.' + 'c'.repeat(63) + '.' + 'd'.repeat(57) + '.com',
    'a'.repeat(64) + '@' + 'b'.repeat(63) + '.' + 'c'.repeat(63) + '.' + 'd'.repeat(57) + '.com',
  ],
  ['display name form', 'John Doe <john@Example.com>', 'john@example.com'],
  ['quoted display name', '"Doe, John" <john@example.com>', 'john@example.com'],
  ['angle brackets without a name', '<john@example.com>', 'john@example.com'],
  ['display name with spaces around', '  John   Doe\t<john@example.com>  ', 'john@example.com'],
  ['unicode display name', 'Jöhn Dœ <john@example.com>', 'john@example.com'],
  ['RFC 2142 mailbox lower-cased', 'Abuse@Example.com', 'abuse@example.com'],
  ['RFC 2142 postmaster lower-cased', 'POSTMASTER@example.com', 'postmaster@example.com'],
  ['other local parts keep case', 'Admin@example.com', 'Admin@example.com'],
  ['internationalised local and domain', 'ü@exämple.de', 'ü@exämple.de'],
  ['upper-case IDN domain folded', 'a@EXÄMPLE.DE', 'a@exämple.de'],
  ['punycode domain decoded', 'a@xn--exmple-cua.de', 'a@exämple.de'],
  ['upper-case punycode decoded', 'a@XN--EXMPLE-CUA.DE', 'a@exämple.de'],
  ['full-width domain mapped', 'a@ｅｘａｍｐｌｅ.com', 'a@example.com'],
  ['ideographic full stop mapped', 'a@example。com', 'a@example.com'],
  ['combining mark NFC-composed in local part', 'a\u0301@example.com', 'á@example.com'],
  ['sharp s kept (non-transitional)', 'a@straße.de', 'a@straße.de'],
  ['CJK domain', 'a@日本語.jp', 'a@日本語.jp'],
  ['Cyrillic TLD', 'a@пример.рф', 'a@пример.рф'],
  [
    'punycode CJK labels decoded',
    'a@' + 'xn--wgvaaaaaaaaaaaaaaaaaaa.'.repeat(2) + 'com',
    'a@' + `${'日'.repeat(20)}.`.repeat(2) + 'com',
  ],
  ['NFC singleton in local part', '\u212b@example.com', 'Å@example.com'],
  ['Kelvin sign in domain mapped', 'a@\u212aelvin.com', 'a@kelvin.com'],
];

const rejected: readonly Row[] = [
  ['empty string', '', 'An email address must have an @-sign.'],
  ['no @-sign', 'abc', 'An email address must have an @-sign.'],
  ['only whitespace', '   ', 'An email address must have an @-sign.'],
  [
    'full-width at-sign',
    'a＠example.com',
    'The email address has the "full-width" at-sign (@) character instead of a regular at-sign.',
  ],
  [
    'small commercial at',
    'a﹫example.com',
    'The email address has the "small commercial at" character instead of a regular at-sign.',
  ],
  ['nothing before @', '@x.com', 'There must be something before the @-sign.'],
  ['nothing after @', 'a@', 'There must be something after the @-sign.'],
  ['dotless localhost', 'a@localhost', 'The part after the @-sign is not valid. It should have a period.'],
  ['dotless domain', 'a@b', 'The part after the @-sign is not valid. It should have a period.'],
  ['dotless onion', 'a@onion', 'The part after the @-sign is not valid. It should have a period.'],
  ['.test', 'a@x.test', 'The part after the @-sign is a special-use or reserved name that cannot be used with email.'],
  [
    '.local',
    'a@foo.local',
    'The part after the @-sign is a special-use or reserved name that cannot be used with email.',
  ],
  [
    '.localhost',
    'a@x.localhost',
    'The part after the @-sign is a special-use or reserved name that cannot be used with email.',
  ],
  ['.arpa', 'a@x.arpa', 'The part after the @-sign is a special-use or reserved name that cannot be used with email.'],
  [
    '.invalid',
    'a@x.invalid',
    'The part after the @-sign is a special-use or reserved name that cannot be used with email.',
  ],
  [
    '.onion',
    'a@x.onion',
    'The part after the @-sign is a special-use or reserved name that cannot be used with email.',
  ],
  ['two periods in local part', 'a..b@x.com', 'An email address cannot have two periods in a row.'],
  ['leading period', '.a@x.com', 'An email address cannot start with a period.'],
  ['trailing period in local part', 'a.@x.com', 'An email address cannot have a period immediately before the @-sign.'],
  ['period after @', 'a@.x.com', 'An email address cannot have a period immediately after the @-sign.'],
  ['trailing period in domain', 'a@x.com.', 'An email address cannot end with a period.'],
  ['two periods in domain', 'a@x..com', 'An email address cannot have two periods in a row.'],
  ['hyphen after @', 'a@-x.com', 'An email address cannot have a hyphen immediately after the @-sign.'],
  ['domain ends with hyphen', 'a@x.com-', 'An email address cannot end with a hyphen.'],
  ['hyphen next to period', 'a@x-.com', 'An email address cannot have a period and a hyphen next to each other.'],
  [
    'R-LDH label',
    'a@ab--cd.com',
    'An email address cannot have two letters followed by two dashes immediately after the @-sign or after a period, except Punycode.',
  ],
  ['space in local part', 'a b@x.com', 'The email address contains invalid characters before the @-sign: SPACE.'],
  [
    'several invalid characters sorted by display',
    'a(b)c,d:e;f\\g[h]@x.com',
    `The email address contains invalid characters before the @-sign: "\\", '(', ')', ',', ':', ';', '[', ']'.`,
  ],
  [
    'control character has no name',
    'a\tb@x.com',
    'The email address contains invalid characters before the @-sign: U+0009.',
  ],
  ['underscore in domain', 'a@x_y.com', "The part after the @-sign contains invalid characters: '_'."],
  [
    'invalid domain characters sorted',
    'a@b.com <x@y.com>',
    "The part after the @-sign contains invalid characters: '<', '>', '@', SPACE.",
  ],
  ['doubled @-sign', 'a@@b.com', "The part after the @-sign contains invalid characters: '@'."],
  ['numeric TLD', 'a@b.co1', 'The part after the @-sign is not valid. It is not within a valid top-level domain.'],
  [
    'IPv4-looking domain',
    'user@1.2.3.4',
    'The part after the @-sign is not valid. It is not within a valid top-level domain.',
  ],
  [
    'label too long',
    'a@' + 'x'.repeat(64) + '.com',
    'After the @-sign, periods cannot be separated by so many characters (1 character too many).',
  ],
  [
    'domain too long',
    'a@' + ('x'.repeat(62) + '.').repeat(4) + 'com',
    'The email address is too long after the @-sign (2 characters too many).',
  ],
  [
    'upper-case domain too long counts bytes',
    'a@' + ('X'.repeat(62) + '.').repeat(4) + 'COM',
    'The email address is too long after the @-sign (2 bytes too many after IDNA encoding).',
  ],
  [
    'domain over 1024 characters',
    'a@' + 'x'.repeat(1100) + '.com',
    'The part after the @-sign contains invalid characters (Domain too long).',
  ],
  [
    'address 1 character too long',
    'a'.repeat(64) + '@' + 'b'.repeat(63) + '.' + 'c'.repeat(63) + '.' + 'd'.repeat(58) + '.com',
    'The email address is too long (1 character too many).',
  ],
  [
    'address several characters too long',
    'a'.repeat(200) + '@' + 'b'.repeat(60) + '.com',
    'The email address is too long (11 characters too many).',
  ],
  [
    'multibyte address too long',
    'é'.repeat(130) + '@example.com',
    'The email address is too long (9-18 characters too many).',
  ],
  [
    'address too long after normalization',
    'a'.repeat(134) + '@' + 'xn--wgvaaaaaaaaaaaaaaaaaaa.'.repeat(2) + 'com',
    'The email address is too long after normalization (6 bytes too many).',
  ],
  [
    'address too long in IDNA ASCII form',
    'a'.repeat(219) + '@ȕѿαñ.ȕѿαñ.com',
    'The email address is too long when the part after the @-sign is converted to IDNA ASCII (3 bytes too many).',
  ],
  [
    'local part invalid only after NFC',
    'a\u037e@x.com',
    "After Unicode normalization: The email address contains invalid characters before the @-sign: ';'.",
  ],
  ['input over 2048 characters', 'a'.repeat(2049), 'Length must not exceed 2048 characters'],
  ['2048 characters is not the length error', 'a'.repeat(2048), 'An email address must have an @-sign.'],
  [
    'zero width space in local part',
    'a\u200bb@x.com',
    'The email address contains unsafe characters: ZERO WIDTH SPACE.',
  ],
  ['no-break space in local part', 'a\u00a0b@x.com', 'The email address contains unsafe characters: NO-BREAK SPACE.'],
  ['line separator in domain', 'a@x\u2028y.com', 'The email address contains unsafe characters: LINE SEPARATOR.'],
  ['leading combining mark', '\u0301a@x.com', 'The email address contains unsafe characters: COMBINING ACUTE ACCENT.'],
  ['variation selector', 'a@\ufe0fx.com', 'The email address contains unsafe characters: VARIATION SELECTOR-16.'],
  ['bidi override', 'a\u202eb@x.com', 'The email address contains unsafe characters: RIGHT-TO-LEFT OVERRIDE.'],
  ['soft hyphen in domain', 'a@ex\u00adample.com', 'The email address contains unsafe characters: SOFT HYPHEN.'],
  [
    'disallowed IDNA symbol',
    'a@☃.com',
    "The part after the @-sign is invalid (Codepoint U+2603 at position 1 of '☃' not allowed).",
  ],
  [
    'emoji domain',
    'a@💩.la',
    "The part after the @-sign is invalid (Codepoint U+1F4A9 at position 1 of '💩' not allowed).",
  ],
  ['character decomposing to a dot', 'a@⒈.com', "The part after the @-sign contains invalid characters: '⒈'."],
  [
    'invalid punycode',
    'a@xn--abc.com',
    "The part after the @-sign is not valid IDNA (Codepoint U+0082 at position 1 of '\\x82\\x81\\x80' not allowed).",
  ],
  [
    'mixed-direction label',
    'a@a\u05d0.com',
    'The part after the @-sign is invalid (Invalid direction for codepoint at position 2 in a left-to-right label).',
  ],
  ['quoted local part', '"john"@example.com', 'Quoting the part before the @-sign is not allowed here.'],
  ['quoted local part with space', '"john doe"@example.com', 'Quoting the part before the @-sign is not allowed here.'],
  ['text after close quote', '"a"b@x.com', "Extra character(s) found after close quote: 'b'"],
  ['bracketed IPv4 literal', 'a@[1.2.3.4]', 'A bracketed IP address after the @-sign is not allowed here.'],
  ['bracketed IPv6 literal', 'a@[IPv6:::1]', 'A bracketed IP address after the @-sign is not allowed here.'],
  [
    'bad IPv4 literal',
    'a@[1.2.3]',
    "The address in brackets after the @-sign is not valid: It is not an IPv4 address (Expected 4 octets in '1.2.3') or is missing an address literal tag.",
  ],
  [
    'IPv4 literal with leading zero',
    'a@[01.2.3.4]',
    "The address in brackets after the @-sign is not valid: It is not an IPv4 address (Leading zeros are not permitted in '01' in '01.2.3.4') or is missing an address literal tag.",
  ],
  [
    'IPv4 literal octet too large',
    'a@[1.2.3.256]',
    "The address in brackets after the @-sign is not valid: It is not an IPv4 address (Octet 256 (> 255) not permitted in '1.2.3.256') or is missing an address literal tag.",
  ],
  [
    'bad IPv6 literal',
    'a@[IPv6:1::2::3]',
    "The IPv6 address in brackets after the @-sign is not valid (At most one '::' permitted in '1::2::3').",
  ],
  [
    'literal without tag',
    'a@[foo]',
    'The part after the @-sign in brackets is not an IPv4 address and has no address literal tag.',
  ],
  [
    'literal with unknown tag',
    'a@[x:y]',
    'The part after the @-sign contains an invalid address literal tag in brackets.',
  ],
  [
    'unquoted display name with a period',
    'John.Doe <a@b.com>',
    "The display name contains invalid characters when not quoted: '.'.",
  ],
  ['text after angle brackets', '<a@b.com> x', "There can't be anything after the email address."],
  [
    'unclosed angle bracket',
    'John <a@b.com',
    'An open angle bracket at the start of the email address has to be followed by a close angle bracket at the end.',
  ],
  [
    'nested angle brackets',
    '<<a@b.com>>',
    'A display name and angle brackets around the email address are not permitted here.',
  ],
  [
    'display name pydantic does not unwrap',
    '"John" Doe <a@b.com>',
    "Extra character(s) found after close quote: SPACE, 'D', 'o', 'e'",
  ],
  [
    'angle bracket combined with a following mark',
    '<\u0338a@x.com',
    "The email address contains invalid characters before the @-sign: '<'.",
  ],
];

describe('validateEmail', () => {
  it('covers at least 60 cases', () => {
    expect(accepted.length + rejected.length).toBeGreaterThanOrEqual(60);
  });

  describe('accepts and normalises', () => {
    it.each(accepted)('%s', (_label, input, email) => {
      expect(validateEmail(input)).toEqual({ ok: true, email });
    });
  });

  describe('rejects with the exact pydantic reason', () => {
    it.each(rejected)('%s', (_label, input, reason) => {
      expect(validateEmail(input)).toEqual({ ok: false, reason });
    });
  });

  describe('normalised output is a fixed point', () => {
    it.each(accepted)('%s', (_label, _input, email) => {
      expect(validateEmail(email)).toEqual({ ok: true, email });
    });
  });
});
