/**
 * Email validation that mirrors pydantic 2.13's `EmailStr`.
 *
 * pydantic's `validate_email` (pydantic/networks.py) caps the length, unwraps
 * a `Display Name <addr>` form with `pretty_email_regex`, strips whitespace and
 * hands the rest to python-email-validator 2.3
 * (`validate_email(email, check_deliverability=False)`, every other option at
 * its default). This module ports that pipeline, including the exact wording of
 * every error, so API responses match the Python service byte for byte.
 *
 * Known approximations (everything else is a line-by-line port):
 * - Unicode data comes from the ICU bundled with Node, not from Python's
 *   `unicodedata`, so characters assigned in one Unicode version but not the
 *   other can be classified differently.
 * - `idna.uts46_remap` is emulated per character with `url.domainToASCII` /
 *   `url.domainToUnicode` (see `uts46MapChar`). Checked against idna 3.20 for
 *   every code point that can reach it; the few differences are overridden.
 * - The IDNA 2008 code point classes, the Bidi classes and the CONTEXTJ joining
 *   types used by `idna.check_label` are derived from general category, script
 *   and a handful of ranges instead of idna's generated tables. Only
 *   internationalised domains reach this code.
 * - `unicodedata.name` is replaced by a table covering the characters that can
 *   realistically be reported (spaces, separators, format characters and the
 *   Combining Diacritical Marks block). Other characters without an entry are
 *   shown as `U+XXXX`, which is what Python prints for unnamed characters.
 */
import { domainToASCII, domainToUnicode } from 'node:url';

export type EmailValidationResult = { ok: true; email: string } | { ok: false; reason: string };

class EmailSyntaxError extends Error {}

class IdnaError extends Error {}

// ---------------------------------------------------------------------------
// Constants (email_validator/rfc_constants.py, email_validator/__init__.py,
// pydantic/networks.py)
// ---------------------------------------------------------------------------

const MAX_EMAIL_LENGTH = 2048;
const EMAIL_MAX_LENGTH = 254;
const DNS_LABEL_LENGTH_LIMIT = 63;
const DOMAIN_MAX_LENGTH = 253;

const ATEXT = "a-zA-Z0-9_!#$%&'*+\\-/=?^`{|}~";
const ATEXT_INTL = `${ATEXT}\\u{80}-\\u{10FFFF}`;
const ATEXT_RE = new RegExp(`^[.${ATEXT}]$`, 'u');
const ATEXT_INTL_DOT_RE = new RegExp(`^[.${ATEXT_INTL}]$`, 'u');
const DOT_ATOM_TEXT = new RegExp(`^[${ATEXT}]+(?:\\.[${ATEXT}]+)*$`, 'u');
const DOT_ATOM_TEXT_INTL = new RegExp(`^[${ATEXT_INTL}]+(?:\\.[${ATEXT_INTL}]+)*$`, 'u');
const ATEXT_HOSTNAME_INTL = /^[a-zA-Z0-9\-.\u{80}-\u{10FFFF}]$/u;
const HOSTNAME_LABEL = '(?:(?:[a-zA-Z0-9][a-zA-Z0-9\\-]*)?[a-zA-Z0-9])';
const DOT_ATOM_TEXT_HOSTNAME = new RegExp(`^${HOSTNAME_LABEL}(?:\\.${HOSTNAME_LABEL})*$`);
const DOMAIN_NAME_REGEX = /[A-Za-z]$/;
const DOMAIN_LITERAL_CHARS = /^[\u0021-\u00FA]$/u;
const QTEXT_INTL = /^[\u0020-\u007E\u{80}-\u{10FFFF}]$/u;
const R_LDH_LABEL = /^(?!xn)[^\n]{2}--/iu;

const CASE_INSENSITIVE_MAILBOX_NAMES: ReadonlySet<string> = new Set([
  'info', 'marketing', 'sales', 'support',
  'abuse', 'noc', 'security',
  'postmaster', 'hostmaster', 'usenet', 'news', 'webmaster', 'www', 'uucp', 'ftp',
]);

const SPECIAL_USE_DOMAIN_NAMES = ['arpa', 'invalid', 'local', 'localhost', 'onion', 'test'];

// Python's str.isspace() set, which is also what `\s` and str.strip() use.
const PY_WS = '\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const PY_LEADING_WS = new RegExp(`^[${PY_WS}]+`, 'u');
const PY_TRAILING_WS = new RegExp(`[${PY_WS}]+$`, 'u');

// pydantic's `_build_pretty_email_regex`: Python's `\w` is letters, numbers and
// '_' (no combining marks), and `.` only excludes '\n'.
const PRETTY_NAME_CHARS = "[\\p{L}\\p{N}_!#$%&'*+\\-/=?^`{|}~]";
const PRETTY_EMAIL_REGEX = new RegExp(
  `^[${PY_WS}]*(?:((?:${PRETTY_NAME_CHARS}+[${PY_WS}]+)*${PRETTY_NAME_CHARS}+)|"((?:[^"]|")+)")?` +
    `[${PY_WS}]*<([^\\n]+)>[${PY_WS}]*$`,
  'u',
);

// ---------------------------------------------------------------------------
// Python string helpers
// ---------------------------------------------------------------------------

const codePoint = (c: string): number => c.codePointAt(0) ?? 0;

const toChars = (s: string): string[] => Array.from(s);

const isAscii = (s: string): boolean => /^[\x00-\x7f]*$/.test(s);

function codePointLength(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const unit = s.charCodeAt(i);
    const next = s.charCodeAt(i + 1);
    if (unit >= 0xd800 && unit <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) i++;
    n++;
  }
  return n;
}

const utf8Length = (s: string): number => Buffer.byteLength(s, 'utf8');

const pyStrip = (s: string): string => s.replace(PY_LEADING_WS, '').replace(PY_TRAILING_WS, '');

const hex = (n: number, width: number): string => n.toString(16).toUpperCase().padStart(width, '0');

/** Python compares strings by code point, not by UTF-16 unit. */
function comparePy(a: string, b: string): number {
  const ac = toChars(a);
  const bc = toChars(b);
  for (let i = 0; i < Math.min(ac.length, bc.length); i++) {
    const d = codePoint(ac[i]) - codePoint(bc[i]);
    if (d !== 0) return d;
  }
  return ac.length - bc.length;
}

const sortedPy = (items: Iterable<string>): string[] => Array.from(new Set(items)).sort(comparePy);

const RE_LNPS = /^[\p{L}\p{N}\p{P}\p{S}]$/u;
const RE_MARK = /^\p{M}$/u;
const RE_ZS = /^\p{Zs}$/u;
const RE_NOT_PRINTABLE = /^[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]$/u;

/** str.isprintable() for one character (used by repr). */
const isPyPrintable = (c: string): boolean => c === ' ' || !RE_NOT_PRINTABLE.test(c);

/** Python's repr() of a str. */
function pyRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const c of s) {
    const code = codePoint(c);
    if (c === quote || c === '\\') out += `\\${c}`;
    else if (c === '\t') out += '\\t';
    else if (c === '\n') out += '\\n';
    else if (c === '\r') out += '\\r';
    else if (code < 0x20 || code === 0x7f) out += `\\x${hex(code, 2).toLowerCase()}`;
    else if (code < 0x7f || isPyPrintable(c)) out += c;
    else if (code <= 0xff) out += `\\x${hex(code, 2).toLowerCase()}`;
    else if (code <= 0xffff) out += `\\u${hex(code, 4).toLowerCase()}`;
    else out += `\\U${hex(code, 8).toLowerCase()}`;
  }
  return out + quote;
}

// ---------------------------------------------------------------------------
// Character names for safe_character_display (a subset of unicodedata.name)
// ---------------------------------------------------------------------------

// Every Zs/Zl/Zp/Cf character except the TAG block (Unicode 14 names).
const NAMED_CHARACTERS: ReadonlyArray<readonly [number, string]> = [
  [0x20, 'SPACE'], [0xA0, 'NO-BREAK SPACE'], [0xAD, 'SOFT HYPHEN'], [0x600, 'ARABIC NUMBER SIGN'],
  [0x601, 'ARABIC SIGN SANAH'], [0x602, 'ARABIC FOOTNOTE MARKER'], [0x603, 'ARABIC SIGN SAFHA'],
  [0x604, 'ARABIC SIGN SAMVAT'], [0x605, 'ARABIC NUMBER MARK ABOVE'],
  [0x61C, 'ARABIC LETTER MARK'], [0x6DD, 'ARABIC END OF AYAH'],
  [0x70F, 'SYRIAC ABBREVIATION MARK'], [0x890, 'ARABIC POUND MARK ABOVE'],
  [0x891, 'ARABIC PIASTRE MARK ABOVE'], [0x8E2, 'ARABIC DISPUTED END OF AYAH'],
  [0x1680, 'OGHAM SPACE MARK'], [0x180E, 'MONGOLIAN VOWEL SEPARATOR'], [0x2000, 'EN QUAD'],
  [0x2001, 'EM QUAD'], [0x2002, 'EN SPACE'], [0x2003, 'EM SPACE'], [0x2004, 'THREE-PER-EM SPACE'],
  [0x2005, 'FOUR-PER-EM SPACE'], [0x2006, 'SIX-PER-EM SPACE'], [0x2007, 'FIGURE SPACE'],
  [0x2008, 'PUNCTUATION SPACE'], [0x2009, 'THIN SPACE'], [0x200A, 'HAIR SPACE'],
  [0x200B, 'ZERO WIDTH SPACE'], [0x200C, 'ZERO WIDTH NON-JOINER'], [0x200D, 'ZERO WIDTH JOINER'],
  [0x200E, 'LEFT-TO-RIGHT MARK'], [0x200F, 'RIGHT-TO-LEFT MARK'], [0x2028, 'LINE SEPARATOR'],
  [0x2029, 'PARAGRAPH SEPARATOR'], [0x202A, 'LEFT-TO-RIGHT EMBEDDING'],
  [0x202B, 'RIGHT-TO-LEFT EMBEDDING'], [0x202C, 'POP DIRECTIONAL FORMATTING'],
  [0x202D, 'LEFT-TO-RIGHT OVERRIDE'], [0x202E, 'RIGHT-TO-LEFT OVERRIDE'],
  [0x202F, 'NARROW NO-BREAK SPACE'], [0x205F, 'MEDIUM MATHEMATICAL SPACE'],
  [0x2060, 'WORD JOINER'], [0x2061, 'FUNCTION APPLICATION'], [0x2062, 'INVISIBLE TIMES'],
  [0x2063, 'INVISIBLE SEPARATOR'], [0x2064, 'INVISIBLE PLUS'], [0x2066, 'LEFT-TO-RIGHT ISOLATE'],
  [0x2067, 'RIGHT-TO-LEFT ISOLATE'], [0x2068, 'FIRST STRONG ISOLATE'],
  [0x2069, 'POP DIRECTIONAL ISOLATE'], [0x206A, 'INHIBIT SYMMETRIC SWAPPING'],
  [0x206B, 'ACTIVATE SYMMETRIC SWAPPING'], [0x206C, 'INHIBIT ARABIC FORM SHAPING'],
  [0x206D, 'ACTIVATE ARABIC FORM SHAPING'], [0x206E, 'NATIONAL DIGIT SHAPES'],
  [0x206F, 'NOMINAL DIGIT SHAPES'], [0x3000, 'IDEOGRAPHIC SPACE'],
  [0xFEFF, 'ZERO WIDTH NO-BREAK SPACE'], [0xFFF9, 'INTERLINEAR ANNOTATION ANCHOR'],
  [0xFFFA, 'INTERLINEAR ANNOTATION SEPARATOR'], [0xFFFB, 'INTERLINEAR ANNOTATION TERMINATOR'],
  [0x110BD, 'KAITHI NUMBER SIGN'], [0x110CD, 'KAITHI NUMBER SIGN ABOVE'],
  [0x13430, 'EGYPTIAN HIEROGLYPH VERTICAL JOINER'],
  [0x13431, 'EGYPTIAN HIEROGLYPH HORIZONTAL JOINER'],
  [0x13432, 'EGYPTIAN HIEROGLYPH INSERT AT TOP START'],
  [0x13433, 'EGYPTIAN HIEROGLYPH INSERT AT BOTTOM START'],
  [0x13434, 'EGYPTIAN HIEROGLYPH INSERT AT TOP END'],
  [0x13435, 'EGYPTIAN HIEROGLYPH INSERT AT BOTTOM END'],
  [0x13436, 'EGYPTIAN HIEROGLYPH OVERLAY MIDDLE'], [0x13437, 'EGYPTIAN HIEROGLYPH BEGIN SEGMENT'],
  [0x13438, 'EGYPTIAN HIEROGLYPH END SEGMENT'], [0x1BCA0, 'SHORTHAND FORMAT LETTER OVERLAP'],
  [0x1BCA1, 'SHORTHAND FORMAT CONTINUING OVERLAP'], [0x1BCA2, 'SHORTHAND FORMAT DOWN STEP'],
  [0x1BCA3, 'SHORTHAND FORMAT UP STEP'], [0x1D173, 'MUSICAL SYMBOL BEGIN BEAM'],
  [0x1D174, 'MUSICAL SYMBOL END BEAM'], [0x1D175, 'MUSICAL SYMBOL BEGIN TIE'],
  [0x1D176, 'MUSICAL SYMBOL END TIE'], [0x1D177, 'MUSICAL SYMBOL BEGIN SLUR'],
  [0x1D178, 'MUSICAL SYMBOL END SLUR'], [0x1D179, 'MUSICAL SYMBOL BEGIN PHRASE'],
  [0x1D17A, 'MUSICAL SYMBOL END PHRASE'], [0xE0001, 'LANGUAGE TAG']
];

// U+0300..U+036F, the Combining Diacritical Marks block.
const COMBINING_DIACRITICAL_MARKS = [
  'COMBINING GRAVE ACCENT', 'COMBINING ACUTE ACCENT', 'COMBINING CIRCUMFLEX ACCENT',
  'COMBINING TILDE', 'COMBINING MACRON', 'COMBINING OVERLINE', 'COMBINING BREVE',
  'COMBINING DOT ABOVE', 'COMBINING DIAERESIS', 'COMBINING HOOK ABOVE', 'COMBINING RING ABOVE',
  'COMBINING DOUBLE ACUTE ACCENT', 'COMBINING CARON', 'COMBINING VERTICAL LINE ABOVE',
  'COMBINING DOUBLE VERTICAL LINE ABOVE', 'COMBINING DOUBLE GRAVE ACCENT', 'COMBINING CANDRABINDU',
  'COMBINING INVERTED BREVE', 'COMBINING TURNED COMMA ABOVE', 'COMBINING COMMA ABOVE',
  'COMBINING REVERSED COMMA ABOVE', 'COMBINING COMMA ABOVE RIGHT', 'COMBINING GRAVE ACCENT BELOW',
  'COMBINING ACUTE ACCENT BELOW', 'COMBINING LEFT TACK BELOW', 'COMBINING RIGHT TACK BELOW',
  'COMBINING LEFT ANGLE ABOVE', 'COMBINING HORN', 'COMBINING LEFT HALF RING BELOW',
  'COMBINING UP TACK BELOW', 'COMBINING DOWN TACK BELOW', 'COMBINING PLUS SIGN BELOW',
  'COMBINING MINUS SIGN BELOW', 'COMBINING PALATALIZED HOOK BELOW',
  'COMBINING RETROFLEX HOOK BELOW', 'COMBINING DOT BELOW', 'COMBINING DIAERESIS BELOW',
  'COMBINING RING BELOW', 'COMBINING COMMA BELOW', 'COMBINING CEDILLA', 'COMBINING OGONEK',
  'COMBINING VERTICAL LINE BELOW', 'COMBINING BRIDGE BELOW',
  'COMBINING INVERTED DOUBLE ARCH BELOW', 'COMBINING CARON BELOW',
  'COMBINING CIRCUMFLEX ACCENT BELOW', 'COMBINING BREVE BELOW', 'COMBINING INVERTED BREVE BELOW',
  'COMBINING TILDE BELOW', 'COMBINING MACRON BELOW', 'COMBINING LOW LINE',
  'COMBINING DOUBLE LOW LINE', 'COMBINING TILDE OVERLAY', 'COMBINING SHORT STROKE OVERLAY',
  'COMBINING LONG STROKE OVERLAY', 'COMBINING SHORT SOLIDUS OVERLAY',
  'COMBINING LONG SOLIDUS OVERLAY', 'COMBINING RIGHT HALF RING BELOW',
  'COMBINING INVERTED BRIDGE BELOW', 'COMBINING SQUARE BELOW', 'COMBINING SEAGULL BELOW',
  'COMBINING X ABOVE', 'COMBINING VERTICAL TILDE', 'COMBINING DOUBLE OVERLINE',
  'COMBINING GRAVE TONE MARK', 'COMBINING ACUTE TONE MARK', 'COMBINING GREEK PERISPOMENI',
  'COMBINING GREEK KORONIS', 'COMBINING GREEK DIALYTIKA TONOS', 'COMBINING GREEK YPOGEGRAMMENI',
  'COMBINING BRIDGE ABOVE', 'COMBINING EQUALS SIGN BELOW', 'COMBINING DOUBLE VERTICAL LINE BELOW',
  'COMBINING LEFT ANGLE BELOW', 'COMBINING NOT TILDE ABOVE', 'COMBINING HOMOTHETIC ABOVE',
  'COMBINING ALMOST EQUAL TO ABOVE', 'COMBINING LEFT RIGHT ARROW BELOW',
  'COMBINING UPWARDS ARROW BELOW', 'COMBINING GRAPHEME JOINER', 'COMBINING RIGHT ARROWHEAD ABOVE',
  'COMBINING LEFT HALF RING ABOVE', 'COMBINING FERMATA', 'COMBINING X BELOW',
  'COMBINING LEFT ARROWHEAD BELOW', 'COMBINING RIGHT ARROWHEAD BELOW',
  'COMBINING RIGHT ARROWHEAD AND UP ARROWHEAD BELOW', 'COMBINING RIGHT HALF RING ABOVE',
  'COMBINING DOT ABOVE RIGHT', 'COMBINING ASTERISK BELOW', 'COMBINING DOUBLE RING BELOW',
  'COMBINING ZIGZAG ABOVE', 'COMBINING DOUBLE BREVE BELOW', 'COMBINING DOUBLE BREVE',
  'COMBINING DOUBLE MACRON', 'COMBINING DOUBLE MACRON BELOW', 'COMBINING DOUBLE TILDE',
  'COMBINING DOUBLE INVERTED BREVE', 'COMBINING DOUBLE RIGHTWARDS ARROW BELOW',
  'COMBINING LATIN SMALL LETTER A', 'COMBINING LATIN SMALL LETTER E',
  'COMBINING LATIN SMALL LETTER I', 'COMBINING LATIN SMALL LETTER O',
  'COMBINING LATIN SMALL LETTER U', 'COMBINING LATIN SMALL LETTER C',
  'COMBINING LATIN SMALL LETTER D', 'COMBINING LATIN SMALL LETTER H',
  'COMBINING LATIN SMALL LETTER M', 'COMBINING LATIN SMALL LETTER R',
  'COMBINING LATIN SMALL LETTER T', 'COMBINING LATIN SMALL LETTER V',
  'COMBINING LATIN SMALL LETTER X'
];

const CHARACTER_NAMES: ReadonlyMap<number, string> = new Map([
  ...NAMED_CHARACTERS,
  ...COMBINING_DIACRITICAL_MARKS.map((name, i): [number, string] => [0x300 + i, name]),
]);

const DIGIT_NAMES = ['ZERO', 'ONE', 'TWO', 'THREE', 'FOUR', 'FIVE', 'SIX', 'SEVEN', 'EIGHT', 'NINE'];

/** Names that follow a pattern: variation selectors and the letter/digit TAG characters. */
function patternedCharacterName(code: number): string | undefined {
  if (code >= 0xfe00 && code <= 0xfe0f) return `VARIATION SELECTOR-${code - 0xfe00 + 1}`;
  if (code >= 0xe0100 && code <= 0xe01ef) return `VARIATION SELECTOR-${code - 0xe0100 + 17}`;
  if (code === 0xe0020) return 'TAG SPACE';
  if (code === 0xe007f) return 'CANCEL TAG';
  const ascii = String.fromCharCode(code - 0xe0000);
  if (code >= 0xe0030 && code <= 0xe0039) return `TAG DIGIT ${DIGIT_NAMES[code - 0xe0030]}`;
  if (code >= 0xe0041 && code <= 0xe005a) return `TAG LATIN CAPITAL LETTER ${ascii}`;
  if (code >= 0xe0061 && code <= 0xe007a) return `TAG LATIN SMALL LETTER ${ascii.toUpperCase()}`;
  return undefined;
}

/** Mirrors syntax.safe_character_display. */
function safeCharacterDisplay(c: string): string {
  if (c === '\\') return '"\\"';
  if (RE_LNPS.test(c)) return pyRepr(c);
  const code = codePoint(c);
  // Python's own quirk: U+FFFF itself gets the 8-digit form.
  const fallback = code < 0xffff ? `U+${hex(code, 4)}` : `U+${hex(code, 8)}`;
  return CHARACTER_NAMES.get(code) ?? patternedCharacterName(code) ?? fallback;
}

const displayList = (chars: Iterable<string>): string => sortedPy(Array.from(chars, safeCharacterDisplay)).join(', ');

// ---------------------------------------------------------------------------
// syntax.py
// ---------------------------------------------------------------------------

/** Mirrors syntax.check_unsafe_chars. */
function checkUnsafeChars(s: string, allowSpace = false): void {
  const bad = new Set<string>();
  toChars(s).forEach((c, i) => {
    if (RE_LNPS.test(c)) return;
    if (RE_MARK.test(c)) {
      if (i === 0) bad.add(c);
    } else if (RE_ZS.test(c)) {
      if (!allowSpace) bad.add(c);
    } else {
      bad.add(c);
    }
  });
  if (bad.size > 0) {
    // Sorted by character (not by display), as in the Python code.
    const shown = Array.from(bad).sort(comparePy).map(safeCharacterDisplay);
    throw new EmailSyntaxError(`The email address contains unsafe characters: ${shown.join(', ')}.`);
  }
}

/** Mirrors syntax.check_dot_atom. */
function checkDotAtom(label: string, startDescr: string, endDescr: string, isHostname: boolean): void {
  const start = (what: string): EmailSyntaxError => new EmailSyntaxError(startDescr.replace('{}', what));
  const end = (what: string): EmailSyntaxError => new EmailSyntaxError(endDescr.replace('{}', what));
  if (label.endsWith('.')) throw end('period');
  if (label.startsWith('.')) throw start('period');
  if (label.includes('..')) throw new EmailSyntaxError('An email address cannot have two periods in a row.');
  if (!isHostname) return;
  if (label.endsWith('-')) throw end('hyphen');
  if (label.startsWith('-')) throw start('hyphen');
  if (label.includes('.-') || label.includes('-.')) {
    throw new EmailSyntaxError('An email address cannot have a period and a hyphen next to each other.');
  }
}

/** Mirrors syntax.get_length_reason. */
function getLengthReason(addr: string, limit: number): string {
  const diff = codePointLength(addr) - limit;
  return `(${diff} character${diff > 1 ? 's' : ''} too many)`;
}

/**
 * Mirrors split_email.split_string_at_unquoted_special: a special character
 * only counts when NFC leaves it alone (e.g. '<' + U+0338 becomes '≮').
 */
function splitAtUnquotedSpecial(text: string, specials: readonly string[]): [string, string] {
  const chars = toChars(text);
  let insideQuote = false;
  let escaped = false;
  let leftCount = 0;
  let offset = 0;
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i];
    const next = chars[i + 1];
    const combines = !(isAscii(c) && (next === undefined || isAscii(next))) &&
      toChars(text.slice(offset).normalize('NFC'))[0] !== c;
    offset += c.length;
    if (combines) {
      leftCount++;
    } else if (insideQuote) {
      leftCount++;
      if (c === '\\' && !escaped) {
        escaped = true;
      } else if (c === '"' && !escaped) {
        insideQuote = false;
        escaped = false;
      } else {
        escaped = false;
      }
    } else if (c === '"') {
      leftCount++;
      insideQuote = true;
    } else if (specials.includes(c)) {
      break;
    } else {
      leftCount++;
    }
  }

  if (leftCount === chars.length) {
    if (text.includes('\uff20')) {
      throw new EmailSyntaxError('The email address has the "full-width" at-sign (@) character instead of a regular at-sign.');
    }
    if (text.includes('\ufe6b')) {
      throw new EmailSyntaxError('The email address has the "small commercial at" character instead of a regular at-sign.');
    }
    throw new EmailSyntaxError('An email address must have an @-sign.');
  }
  const left = chars.slice(0, leftCount).join('');
  return [left, text.slice(left.length)];
}

/** Mirrors split_email.unquote_quoted_string. */
function unquoteQuotedString(text: string): [string, boolean] {
  const chars = toChars(text);
  let quoted = false;
  let escaped = false;
  let value = '';
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i];
    if (quoted) {
      if (escaped) {
        value += c;
        escaped = false;
      } else if (c === '\\') {
        escaped = true;
      } else if (c === '"') {
        if (i !== chars.length - 1) {
          const extra = chars.slice(i + 1).map(safeCharacterDisplay).join(', ');
          throw new EmailSyntaxError(`Extra character(s) found after close quote: ${extra}`);
        }
        break;
      } else {
        value += c;
      }
    } else if (i === 0 && c === '"') {
      quoted = true;
    } else {
      value += c;
    }
  }
  return [value, quoted];
}

interface SplitEmail {
  displayName: string | null;
  localPart: string;
  domainPart: string;
  isQuotedLocalPart: boolean;
}

/** Mirrors syntax.split_email. */
function splitEmail(email: string): SplitEmail {
  let [left, right] = splitAtUnquotedSpecial(email, ['@', '<']);
  let displayName: string | null = null;
  let localPart = left;
  let domainPart = right;

  if (right.startsWith('<')) {
    left = left.replace(PY_TRAILING_WS, '');
    const [name, nameQuoted] = unquoteQuotedString(left);
    displayName = name;
    if (!nameQuoted) {
      const bad = toChars(name).filter((c) => (!ATEXT_RE.test(c) && c !== ' ') || c === '.');
      if (bad.length > 0) {
        throw new EmailSyntaxError(`The display name contains invalid characters when not quoted: ${displayList(bad)}.`);
      }
    }
    checkUnsafeChars(name, true);

    if (!right.includes('>')) {
      throw new EmailSyntaxError(
        'An open angle bracket at the start of the email address has to be followed by a close angle bracket at the end.',
      );
    }
    right = right.replace(/ +$/, '');
    if (!right.endsWith('>')) throw new EmailSyntaxError("There can't be anything after the email address.");
    const addrSpec = right.slice(1).replace(/>+$/, '');
    [localPart, domainPart] = splitAtUnquotedSpecial(addrSpec, ['@']);
  }

  if (domainPart.startsWith('@')) domainPart = domainPart.slice(1);
  const [unquoted, isQuotedLocalPart] = unquoteQuotedString(localPart);
  return { displayName, localPart: unquoted, domainPart, isQuotedLocalPart };
}

interface LocalPartInfo {
  localPart: string;
  asciiLocalPart: string | null;
  smtputf8: boolean;
}

/** Mirrors syntax.validate_email_local_part (allow_smtputf8=True, strict=False). */
function validateEmailLocalPart(local: string, quotedLocalPart: boolean): LocalPartInfo {
  if (local.length === 0) throw new EmailSyntaxError('There must be something before the @-sign.');

  if (DOT_ATOM_TEXT.test(local)) return { localPart: local, asciiLocalPart: local, smtputf8: false };

  let valid: 'dot-atom' | 'quoted' | null = null;
  let requiresSmtputf8 = false;
  if (DOT_ATOM_TEXT_INTL.test(local)) {
    valid = 'dot-atom';
    requiresSmtputf8 = true;
  } else if (quotedLocalPart) {
    const bad = toChars(local).filter((c) => !QTEXT_INTL.test(c));
    if (bad.length > 0) {
      throw new EmailSyntaxError(
        `The email address contains invalid characters in quotes before the @-sign: ${displayList(bad)}.`,
      );
    }
    requiresSmtputf8 = toChars(local).some((c) => codePoint(c) < 32 || codePoint(c) > 126);
    valid = 'quoted';
  }

  if (valid !== null) {
    checkUnsafeChars(local, valid === 'quoted');
    if (/\p{Cs}/u.test(local)) throw new EmailSyntaxError('The email address contains an invalid character.');
    const result = valid === 'quoted' ? `"${local.replace(/(["\\])/g, '\\$1')}"` : local;
    return { localPart: result, asciiLocalPart: requiresSmtputf8 ? null : result, smtputf8: requiresSmtputf8 };
  }

  const bad = toChars(local).filter((c) => !ATEXT_INTL_DOT_RE.test(c));
  if (bad.length > 0) {
    throw new EmailSyntaxError(`The email address contains invalid characters before the @-sign: ${displayList(bad)}.`);
  }
  checkDotAtom(local, 'An email address cannot start with a {}.', 'An email address cannot have a {} immediately before the @-sign.', false);
  throw new EmailSyntaxError('The email address contains invalid characters before the @-sign.');
}

/** Mirrors syntax.uts46_valid_char. */
function uts46ValidChar(c: string): boolean {
  const code = codePoint(c);
  if (code >= 0x80 && code <= 0x9f) return false;
  if (
    (code >= 0x2010 && code <= 0x2060 && !(code >= 0x2024 && code <= 0x2026) && !(code >= 0x2028 && code <= 0x202e)) ||
    code === 0x00ad || code === 0x2064 || code === 0xff0e ||
    (code >= 0x200b && code <= 0x200d) ||
    (code >= 0x1bca0 && code <= 0x1bca3)
  ) {
    return true;
  }
  if (/^[\p{Cf}\p{Cn}\p{Co}\p{Cs}\p{Zs}\p{Zl}\p{Zp}]$/u.test(c)) return false;
  // unicodedata.decomposition() is one level deep; full NFKD also reaches a
  // dot from these two, whose single-level decomposition has none.
  if (code !== 0xfe19 && code !== 0xfe30 && c !== '.' && c.normalize('NFKD').includes('.')) return false;
  return true;
}

interface DomainInfo {
  asciiDomain: string;
  domain: string;
}

function rethrowIdna(e: unknown, format: (message: string) => string): never {
  if (e instanceof IdnaError) throw new EmailSyntaxError(format(e.message));
  throw e;
}

/** Mirrors syntax.validate_email_domain_name (globally_deliverable=True, test_environment=False). */
function validateEmailDomainName(input: string): DomainInfo {
  const invalid = (chars: string[]): EmailSyntaxError =>
    new EmailSyntaxError(`The part after the @-sign contains invalid characters: ${displayList(chars)}.`);

  let bad = toChars(input).filter((c) => !ATEXT_HOSTNAME_INTL.test(c));
  if (bad.length > 0) throw invalid(bad);
  checkUnsafeChars(input);
  bad = toChars(input).filter((c) => !uts46ValidChar(c));
  if (bad.length > 0) throw invalid(bad);

  const originalDomain = input;
  let domain: string;
  try {
    domain = uts46Remap(input);
  } catch (e) {
    rethrowIdna(e, (m) => `The part after the @-sign contains invalid characters (${m}).`);
  }

  bad = toChars(domain).filter((c) => !ATEXT_HOSTNAME_INTL.test(c));
  if (bad.length > 0) {
    throw new EmailSyntaxError(
      `The part after the @-sign contains invalid characters after Unicode normalization: ${displayList(bad)}.`,
    );
  }

  checkDotAtom(domain, 'An email address cannot have a {} immediately after the @-sign.', 'An email address cannot end with a {}.', true);

  if (domain.split('.').some((label) => R_LDH_LABEL.test(label))) {
    throw new EmailSyntaxError(
      'An email address cannot have two letters followed by two dashes immediately after the @-sign or after a period, except Punycode.',
    );
  }

  let asciiDomain: string;
  if (DOT_ATOM_TEXT_HOSTNAME.test(domain)) {
    asciiDomain = domain;
  } else {
    try {
      asciiDomain = domain.split('.').map(idnaAlabel).join('.');
    } catch (e) {
      rethrowIdna(e, (m) => `The part after the @-sign is invalid (${m}).`);
    }
    if (!DOT_ATOM_TEXT_HOSTNAME.test(asciiDomain)) {
      throw new EmailSyntaxError('The email address contains invalid characters after the @-sign after IDNA encoding.');
    }
  }

  if (asciiDomain.length > DOMAIN_MAX_LENGTH) {
    if (asciiDomain === originalDomain) {
      throw new EmailSyntaxError(`The email address is too long after the @-sign ${getLengthReason(asciiDomain, DOMAIN_MAX_LENGTH)}.`);
    }
    const diff = asciiDomain.length - DOMAIN_MAX_LENGTH;
    throw new EmailSyntaxError(
      `The email address is too long after the @-sign (${diff} byte${diff === 1 ? '' : 's'} too many after IDNA encoding).`,
    );
  }

  for (const label of asciiDomain.split('.')) {
    if (label.length > DNS_LABEL_LENGTH_LIMIT) {
      throw new EmailSyntaxError(
        `After the @-sign, periods cannot be separated by so many characters ${getLengthReason(label, DNS_LABEL_LENGTH_LIMIT)}.`,
      );
    }
  }

  if (!asciiDomain.includes('.')) {
    throw new EmailSyntaxError('The part after the @-sign is not valid. It should have a period.');
  }
  if (!DOMAIN_NAME_REGEX.test(asciiDomain)) {
    throw new EmailSyntaxError('The part after the @-sign is not valid. It is not within a valid top-level domain.');
  }
  if (SPECIAL_USE_DOMAIN_NAMES.some((d) => asciiDomain === d || asciiDomain.endsWith(`.${d}`))) {
    throw new EmailSyntaxError('The part after the @-sign is a special-use or reserved name that cannot be used with email.');
  }

  let domainI18n: string;
  try {
    domainI18n = idnaDecode(asciiDomain);
  } catch (e) {
    rethrowIdna(e, (m) => `The part after the @-sign is not valid IDNA (${m}).`);
  }

  bad = toChars(domainI18n).filter((c) => !ATEXT_HOSTNAME_INTL.test(c));
  if (bad.length > 0) throw invalid(bad);
  checkUnsafeChars(domainI18n);

  try {
    idnaEncode(domainI18n);
  } catch (e) {
    rethrowIdna(e, (m) => `The part after the @-sign became invalid after normalizing to international characters (${m}).`);
  }

  return { asciiDomain, domain: domainI18n };
}

/** Mirrors syntax.validate_email_length. */
function validateEmailLength(original: string, normalized: string, asciiForm: string): void {
  const checks: ReadonlyArray<readonly [string, string | null]> = [
    [original, null],
    [normalized, 'after normalization'],
    [asciiForm, 'when the part after the @-sign is converted to IDNA ASCII'],
  ];
  for (const [addr, context] of checks) {
    const addrLen = codePointLength(addr);
    const addrUtf8Len = utf8Length(addr);
    const diff = addrUtf8Len - EMAIL_MAX_LENGTH;
    if (diff <= 0) continue;
    const suffix = diff > 1 ? 's' : '';
    let reason: string;
    if (context === null && addrLen === addrUtf8Len) {
      reason = getLengthReason(addr, EMAIL_MAX_LENGTH);
    } else if (context === null) {
      // Only a range can be given: divide the excess bytes by the widest character.
      const mbpc = Math.max(...toChars(addr).map(utf8Length));
      const mchars = Math.max(1, Math.floor(diff / mbpc));
      reason = mchars === diff ? `(${diff} character${suffix} too many)` : `(${mchars}-${diff} character${suffix} too many)`;
    } else {
      reason = `${context} (${diff} byte${suffix} too many)`;
    }
    throw new EmailSyntaxError(`The email address is too long ${reason}.`);
  }
}

// ---------------------------------------------------------------------------
// Domain literals: syntax.validate_email_domain_literal + Python's ipaddress
// ---------------------------------------------------------------------------

/** Mirrors ipaddress.IPv4Address._parse_octet. */
function parseIpv4Octet(octet: string): void {
  if (octet.length === 0) throw new IdnaError('Empty octet not permitted');
  if (!/^[0-9]+$/.test(octet)) throw new IdnaError(`Only decimal digits permitted in ${pyRepr(octet)}`);
  if (octet.length > 3) throw new IdnaError(`At most 3 characters permitted in ${pyRepr(octet)}`);
  if (octet !== '0' && octet.startsWith('0')) throw new IdnaError(`Leading zeros are not permitted in ${pyRepr(octet)}`);
  const value = Number.parseInt(octet, 10);
  if (value > 255) throw new IdnaError(`Octet ${value} (> 255) not permitted`);
}

/** Mirrors ipaddress.IPv4Address(str); IdnaError carries the AddressValueError text. */
function parseIpv4Address(address: string): void {
  if (address.includes('/')) throw new IdnaError(`Unexpected '/' in ${pyRepr(address)}`);
  if (address.length === 0) throw new IdnaError('Address cannot be empty');
  const octets = address.split('.');
  if (octets.length !== 4) throw new IdnaError(`Expected 4 octets in ${pyRepr(address)}`);
  try {
    octets.forEach(parseIpv4Octet);
  } catch (e) {
    rethrowAddress(e, address);
  }
}

function rethrowAddress(e: unknown, address: string): never {
  if (e instanceof IdnaError) throw new IdnaError(`${e.message} in ${pyRepr(address)}`);
  throw e;
}

/** Mirrors ipaddress.IPv6Address._parse_hextet. */
function parseHextet(hextet: string): void {
  if (!/^[0-9a-fA-F]*$/.test(hextet)) throw new IdnaError(`Only hex digits permitted in ${pyRepr(hextet)}`);
  if (hextet.length > 4) throw new IdnaError(`At most 4 characters permitted in ${pyRepr(hextet)}`);
  if (hextet.length === 0) throw new IdnaError("invalid literal for int() with base 16: ''");
}

/** Mirrors ipaddress.IPv6Address(str) (_split_scope_id + _ip_int_from_string). */
function parseIpv6Address(address: string): void {
  if (address.includes('/')) throw new IdnaError(`Unexpected '/' in ${pyRepr(address)}`);
  const percent = address.indexOf('%');
  let ip = address;
  if (percent >= 0) {
    const scope = address.slice(percent + 1);
    if (scope.length === 0 || scope.includes('%')) throw new IdnaError(`Invalid IPv6 address: "${pyRepr(address)}"`);
    ip = address.slice(0, percent);
  }
  if (ip.length === 0) throw new IdnaError('Address cannot be empty');

  const parts = ip.split(':');
  if (parts.length < 3) throw new IdnaError(`At least 3 parts expected in ${pyRepr(ip)}`);
  if (parts[parts.length - 1].includes('.')) {
    try {
      parseIpv4Address(parts[parts.length - 1]);
    } catch (e) {
      rethrowAddress(e, ip);
    }
    parts.splice(parts.length - 1, 1, '0', '0');
  }
  if (parts.length > 9) throw new IdnaError(`At most 8 colons permitted in ${pyRepr(ip)}`);

  let skipIndex: number | null = null;
  for (let i = 1; i < parts.length - 1; i++) {
    if (parts[i] !== '') continue;
    if (skipIndex !== null) throw new IdnaError(`At most one '::' permitted in ${pyRepr(ip)}`);
    skipIndex = i;
  }

  const leading = `Leading ':' only permitted as part of '::' in ${pyRepr(ip)}`;
  const trailing = `Trailing ':' only permitted as part of '::' in ${pyRepr(ip)}`;
  let partsHi: number;
  let partsLo: number;
  if (skipIndex !== null) {
    partsHi = skipIndex;
    partsLo = parts.length - skipIndex - 1;
    if (parts[0] === '') {
      partsHi--;
      if (partsHi) throw new IdnaError(leading);
    }
    if (parts[parts.length - 1] === '') {
      partsLo--;
      if (partsLo) throw new IdnaError(trailing);
    }
    if (8 - (partsHi + partsLo) < 1) throw new IdnaError(`Expected at most 7 other parts with '::' in ${pyRepr(ip)}`);
  } else {
    if (parts.length !== 8) throw new IdnaError(`Exactly 8 parts expected without '::' in ${pyRepr(ip)}`);
    if (parts[0] === '') throw new IdnaError(leading);
    if (parts[parts.length - 1] === '') throw new IdnaError(trailing);
    partsHi = parts.length;
    partsLo = 0;
  }
  try {
    [...parts.slice(0, partsHi), ...parts.slice(parts.length - partsLo)].forEach(parseHextet);
  } catch (e) {
    rethrowAddress(e, ip);
  }
}

/** Mirrors syntax.validate_email_domain_literal (only its errors matter here). */
function validateEmailDomainLiteral(literal: string): void {
  // Python's `$` also matches before a final '\n'.
  if (/^[0-9.]+\n?$/.test(literal)) {
    try {
      parseIpv4Address(literal);
    } catch (e) {
      rethrowIdna(
        e,
        (m) => `The address in brackets after the @-sign is not valid: It is not an IPv4 address (${m}) or is missing an address literal tag.`,
      );
    }
    return;
  }
  if (literal.startsWith('IPv6:')) {
    try {
      parseIpv6Address(literal.slice(5));
    } catch (e) {
      rethrowIdna(e, (m) => `The IPv6 address in brackets after the @-sign is not valid (${m}).`);
    }
    return;
  }
  if (!literal.includes(':')) {
    throw new EmailSyntaxError('The part after the @-sign in brackets is not an IPv4 address and has no address literal tag.');
  }
  const bad = toChars(literal).filter((c) => !DOMAIN_LITERAL_CHARS.test(c));
  if (bad.length > 0) {
    throw new EmailSyntaxError(`The part after the @-sign contains invalid characters in brackets: ${displayList(bad)}.`);
  }
  throw new EmailSyntaxError('The part after the @-sign contains an invalid address literal tag in brackets.');
}

// ---------------------------------------------------------------------------
// IDNA (the parts of the python `idna` package that email-validator calls)
// ---------------------------------------------------------------------------

const unot = (code: number): string => `U+${hex(code, 4)}`;

// idna.uts46_remap results that Node's ICU disagrees with or rejects.
const UTS46_OVERRIDES: ReadonlyMap<number, string> = new Map([
  [0x1e9e, 'ß'], [0x037a, ' ι'],
  [0x115f, ''], [0x1160, ''], [0x17b4, ''], [0x17b5, ''], [0x3164, ''], [0xffa0, ''],
]);
const UTS46_DISALLOWED = /^[\u2FF0-\u2FFF\u31EF\uFE12\uFE19\uFE30\uFFFC\uFFFD]$/u;

/**
 * UTS-46 mapping of one character. ICU only exposes whole-domain processing,
 * so the character is put in a label of its own ("q" keeps the domain from
 * being read as an IPv4 number); if ICU rejects it there (e.g. a combining mark
 * cannot start a label) it is retried after a base letter. Characters ICU still
 * rejects map to characters WHATWG forbids in hosts; NFKC + lower-casing gives
 * idna's answer for all of them.
 */
function uts46MapChar(c: string): string | null {
  if (isAscii(c)) return c.toLowerCase();
  const code = codePoint(c);
  const override = UTS46_OVERRIDES.get(code);
  if (override !== undefined) return override;
  if (UTS46_DISALLOWED.test(c)) return null;
  for (const [prefix, suffix] of [['', '.q'], ['q', '.q']]) {
    const ascii = domainToASCII(`${prefix}${c}${suffix}`);
    if (ascii === '') continue;
    const unicode = domainToUnicode(ascii);
    if (unicode.startsWith(prefix) && unicode.endsWith(suffix)) {
      return unicode.slice(prefix.length, unicode.length - suffix.length);
    }
  }
  return c.normalize('NFKC').toLowerCase();
}

/** Mirrors idna.uts46_remap(domain, std3_rules=False, transitional=False). */
function uts46Remap(domain: string): string {
  if (codePointLength(domain) > 1024) throw new IdnaError('Domain too long');
  if (isAscii(domain)) return domain.toLowerCase();
  const out = toChars(domain).map((c, i) => {
    const mapped = uts46MapChar(c);
    if (mapped === null) {
      throw new IdnaError(`Codepoint ${unot(codePoint(c))} not allowed at position ${i + 1} in ${pyRepr(domain)}`);
    }
    return mapped;
  });
  return out.join('').normalize('NFC');
}

// RFC 5892 derivation of idna's codepoint_classes (P = PVALID, J = CONTEXTJ,
// O = CONTEXTO, D = anything else).
const IDNA_EXCEPTIONS: ReadonlyMap<number, 'P' | 'O' | 'D'> = new Map<number, 'P' | 'O' | 'D'>([
  [0x00df, 'P'], [0x03c2, 'P'], [0x06fd, 'P'], [0x06fe, 'P'], [0x0f0b, 'P'], [0x3007, 'P'],
  [0x00b7, 'O'], [0x0375, 'O'], [0x05f3, 'O'], [0x05f4, 'O'], [0x30fb, 'O'],
  [0x0640, 'D'], [0x07fa, 'D'], [0x302e, 'D'], [0x302f, 'D'], [0x3031, 'D'], [0x3032, 'D'],
  [0x3033, 'D'], [0x3034, 'D'], [0x3035, 'D'], [0x303b, 'D'],
]);
const IDNA_IGNORABLE = /^[\p{Default_Ignorable_Code_Point}\p{White_Space}\p{Noncharacter_Code_Point}]$/u;
const IDNA_IGNORABLE_BLOCKS = /^[\u20D0-\u20FF\u{1D100}-\u{1D24F}]$/u;
const IDNA_OLD_HANGUL_JAMO = /^[\u1100-\u11FF\uA960-\uA97F\uD7B0-\uD7FF]$/u;
const IDNA_LETTER_DIGITS = /^[\p{Ll}\p{Lu}\p{Lo}\p{Nd}\p{Lm}\p{Mn}\p{Mc}]$/u;
// Cherokee is case-folded to upper case, which toLowerCase cannot express.
const CHEROKEE_UPPER = /^[\u13A0-\u13F5]$/u;
const CHEROKEE_LOWER = /^[\u13F8-\u13FD\uAB70-\uABBF]$/u;

function idnaCodepointClass(c: string): 'P' | 'J' | 'O' | 'D' {
  const code = codePoint(c);
  if (code < 0x80) return /^[a-z0-9-]$/.test(c) ? 'P' : 'D';
  const exception = IDNA_EXCEPTIONS.get(code);
  if (exception !== undefined) return exception;
  if ((code >= 0x660 && code <= 0x669) || (code >= 0x6f0 && code <= 0x6f9)) return 'O';
  if (/^\p{Cn}$/u.test(c)) return 'D';
  if (code === 0x200c || code === 0x200d) return 'J';
  if (CHEROKEE_UPPER.test(c)) return 'P';
  if (CHEROKEE_LOWER.test(c)) return 'D';
  // Unstable under NFKC_Casefold. JS has no case folding; lower(upper(x))
  // matches it everywhere idna's table was checked, except for dotless i.
  const nfkc = c.normalize('NFKC');
  if (nfkc.toLowerCase().normalize('NFKC') !== c) return 'D';
  if (code !== 0x131 && nfkc.toUpperCase().toLowerCase().normalize('NFKC') !== c) return 'D';
  if (IDNA_IGNORABLE.test(c) || IDNA_IGNORABLE_BLOCKS.test(c) || IDNA_OLD_HANGUL_JAMO.test(c)) return 'D';
  return IDNA_LETTER_DIGITS.test(c) ? 'P' : 'D';
}

const BIDI_AL = /^[\p{Script=Arabic}\p{Script=Syriac}\p{Script=Thaana}\p{Script=Hanifi_Rohingya}\p{Script=Sogdian}]$/u;
const BIDI_R = /^[\p{Script=Hebrew}\p{Script=Nko}\p{Script=Samaritan}\p{Script=Mandaic}\p{Script=Adlam}\p{Script=Mende_Kikakui}\u{10800}-\u{10CFF}\u{10E80}-\u{10EBF}\u{10F00}-\u{10F2F}\u{10F70}-\u{10FFF}]$/u;
const BIDI_ON = /^[\u00B7\u0375\u02B9\u02BA\u02C6-\u02CF\u02EC\u2E2F\u30FB\uA67F\uA717-\uA71F\uA788]$/u;

/** Bidi class approximation, exact for the characters idna lets through (PVALID/CONTEXT*). */
function bidiClass(c: string): string {
  const code = codePoint(c);
  if (/^[a-zA-Z]$/.test(c)) return 'L';
  if (/^[0-9]$/.test(c)) return 'EN';
  if (c === '-') return 'ES';
  if (code === 0x200c || code === 0x200d) return 'BN';
  if (/^\p{M}$/u.test(c)) return /^\p{Mc}$/u.test(c) ? 'L' : 'NSM';
  if ((code >= 0x660 && code <= 0x669) || (code >= 0x10d30 && code <= 0x10d39)) return 'AN';
  if (code >= 0x6f0 && code <= 0x6f9) return 'EN';
  if (code === 0x5f3 || code === 0x5f4) return 'R';
  if (BIDI_ON.test(c)) return 'ON';
  if (BIDI_AL.test(c)) return 'AL';
  if (BIDI_R.test(c)) return 'R';
  return 'L';
}

const BIDI_RTL_ALLOWED = new Set(['R', 'AL', 'AN', 'EN', 'ES', 'CS', 'ET', 'ON', 'BN', 'NSM']);
const BIDI_LTR_ALLOWED = new Set(['L', 'EN', 'ES', 'CS', 'ET', 'ON', 'BN', 'NSM']);

/** Mirrors idna.core.check_bidi. */
function checkBidi(label: string[]): void {
  const classes = label.map(bidiClass);
  if (!classes.some((d) => d === 'R' || d === 'AL' || d === 'AN')) return;
  let rtl: boolean;
  if (classes[0] === 'R' || classes[0] === 'AL') rtl = true;
  else if (classes[0] === 'L') rtl = false;
  else throw new IdnaError(`First codepoint in label ${pyRepr(label.join(''))} must be directionality L, R or AL`);

  let validEnding = false;
  let numberType: string | null = null;
  for (let i = 0; i < classes.length; i++) {
    const direction = classes[i];
    const idx = i + 1;
    if (rtl) {
      if (!BIDI_RTL_ALLOWED.has(direction)) {
        throw new IdnaError(`Invalid direction for codepoint at position ${idx} in a right-to-left label`);
      }
      if (['R', 'AL', 'EN', 'AN'].includes(direction)) validEnding = true;
      else if (direction !== 'NSM') validEnding = false;
      if (direction === 'AN' || direction === 'EN') {
        if (numberType === null) numberType = direction;
        else if (numberType !== direction) throw new IdnaError('Can not mix numeral types in a right-to-left label');
      }
    } else {
      if (!BIDI_LTR_ALLOWED.has(direction)) {
        throw new IdnaError(`Invalid direction for codepoint at position ${idx} in a left-to-right label`);
      }
      if (direction === 'L' || direction === 'EN') validEnding = true;
      else if (direction !== 'NSM') validEnding = false;
    }
  }
  if (!validEnding) throw new IdnaError('Label ends with illegal codepoint directionality');
}

const VIRAMA =
  /^[\u094D\u09CD\u0A4D\u0ACD\u0B4D\u0BCD\u0C4D\u0CCD\u0D3B\u0D3C\u0D4D\u0DCA\u0E3A\u0EBA\u0F84\u1039\u103A\u1714\u1715\u1734\u17D2\u1A60\u1B44\u1BAA\u1BAB\u1BF2\u1BF3\u2D7F\uA806\uA82C\uA8C4\uA953\uA9C0\uAAF6\uABED\u{10A3F}\u{11046}\u{11070}\u{1107F}\u{110B9}\u{11133}\u{11134}\u{111C0}\u{11235}\u{112EA}\u{1134D}\u{11442}\u{114C2}\u{115BF}\u{1163F}\u{116B6}\u{1172B}\u{11839}\u{1193D}\u{1193E}\u{119E0}\u{11A34}\u{11A47}\u{11A99}\u{11C3F}\u{11D44}\u{11D45}\u{11D97}]$/u;
// Joining types approximated: letters of cursive scripts count as dual-joining.
const JOINING_TRANSPARENT = /^[\p{Mn}\p{Me}\p{Cf}]$/u;
const JOINING_DUAL =
  /^(?=\p{L})[\p{Script=Arabic}\p{Script=Syriac}\p{Script=Nko}\p{Script=Mongolian}\p{Script=Manichaean}\p{Script=Psalter_Pahlavi}\p{Script=Hanifi_Rohingya}\p{Script=Sogdian}\p{Script=Adlam}\p{Script=Phags_Pa}\p{Script=Mandaic}]$/u;

function joinsAcross(label: string[], from: number, step: 1 | -1): boolean {
  for (let i = from; i >= 0 && i < label.length; i += step) {
    if (JOINING_TRANSPARENT.test(label[i])) continue;
    return JOINING_DUAL.test(label[i]);
  }
  return false;
}

/** Mirrors idna.core.valid_contextj. */
function validContextJ(label: string[], pos: number): boolean {
  const code = codePoint(label[pos]);
  const afterVirama = pos > 0 && VIRAMA.test(label[pos - 1]);
  if (code === 0x200c) return afterVirama || (joinsAcross(label, pos - 1, -1) && joinsAcross(label, pos + 1, 1));
  if (code === 0x200d) return afterVirama;
  return false;
}

/** Mirrors idna.core.valid_contexto. */
function validContextO(label: string[], pos: number): boolean {
  const code = codePoint(label[pos]);
  const inRange = (c: string, lo: number, hi: number): boolean => codePoint(c) >= lo && codePoint(c) <= hi;
  if (code === 0x00b7) return pos > 0 && pos < label.length - 1 && label[pos - 1] === 'l' && label[pos + 1] === 'l';
  if (code === 0x0375) return pos < label.length - 1 && /^\p{Script=Greek}$/u.test(label[pos + 1]);
  if (code === 0x05f3 || code === 0x05f4) return pos > 0 && /^\p{Script=Hebrew}$/u.test(label[pos - 1]);
  if (code === 0x30fb) {
    return label.some((c) => c !== '\u30fb' && /^[\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Han}]$/u.test(c));
  }
  if (code >= 0x660 && code <= 0x669) return !label.some((c) => inRange(c, 0x6f0, 0x6f9));
  if (code >= 0x6f0 && code <= 0x6f9) return !label.some((c) => inRange(c, 0x660, 0x669));
  return false;
}

/** Mirrors idna.core.check_label. */
function idnaCheckLabel(labelText: string): void {
  const label = toChars(labelText);
  if (label.length > 1024) throw new IdnaError('Label too long');
  if (label.length === 0) throw new IdnaError('Empty Label');
  if (label.length > 254) throw new IdnaError('Label too long');
  if (labelText.normalize('NFC') !== labelText) throw new IdnaError('Label must be in Normalization Form C');
  if (label.slice(2, 4).join('') === '--') throw new IdnaError('Label has disallowed hyphens in 3rd and 4th position');
  if (labelText.startsWith('-') || labelText.endsWith('-')) throw new IdnaError('Label must not start or end with a hyphen');
  if (RE_MARK.test(label[0])) throw new IdnaError('Label begins with an illegal combining character');

  label.forEach((c, pos) => {
    const code = codePoint(c);
    const cls = idnaCodepointClass(c);
    if (cls === 'P') return;
    if (cls === 'J') {
      if (!validContextJ(label, pos)) {
        throw new IdnaError(`Joiner ${unot(code)} not allowed at position ${pos + 1} in ${pyRepr(labelText)}`);
      }
    } else if (cls === 'O') {
      if (!validContextO(label, pos)) {
        throw new IdnaError(`Codepoint ${unot(code)} not allowed at position ${pos + 1} in ${pyRepr(labelText)}`);
      }
    } else {
      throw new IdnaError(`Codepoint ${unot(code)} at position ${pos + 1} of ${pyRepr(labelText)} not allowed`);
    }
  });
  checkBidi(label);
}

/** Mirrors idna.core.alabel. */
function idnaAlabel(label: string): string {
  if (codePointLength(label) > 1024) throw new IdnaError('Label too long');
  if (isAscii(label)) {
    idnaUlabel(label);
    if (label.length > 63) throw new IdnaError('Label too long');
    return label;
  }
  idnaCheckLabel(label);
  const encoded = `xn--${punycodeEncode(label)}`;
  if (encoded.length > 63) throw new IdnaError('Label too long');
  return encoded;
}

/** Mirrors idna.core.ulabel. */
function idnaUlabel(label: string): string {
  if (codePointLength(label) > 1024) throw new IdnaError('Label too long');
  if (!isAscii(label)) {
    idnaCheckLabel(label);
    return label;
  }
  const lower = label.toLowerCase();
  if (!lower.startsWith('xn--')) {
    idnaCheckLabel(lower);
    return lower;
  }
  const body = lower.slice(4);
  if (body.length === 0) throw new IdnaError('Malformed A-label, no Punycode eligible content found');
  if (body.endsWith('-')) throw new IdnaError('A-label must not end with a hyphen');
  let decoded: string;
  try {
    decoded = punycodeDecode(body);
  } catch {
    throw new IdnaError('Invalid A-label');
  }
  if (punycodeEncode(decoded) !== body) {
    throw new IdnaError('A-label is not the canonical Punycode encoding of its U-label');
  }
  idnaCheckLabel(decoded);
  return decoded;
}

const IDNA_DOTS = /[.\u3002\uff0e\uff61]/u;

function idnaLabels(s: string): { labels: string[]; trailingDot: boolean } {
  const labels = s.split(IDNA_DOTS);
  if (labels.length === 1 && labels[0] === '') throw new IdnaError('Empty domain');
  const trailingDot = labels[labels.length - 1] === '';
  if (trailingDot) labels.pop();
  return { labels, trailingDot };
}

/** Mirrors idna.decode(ascii_bytes). */
function idnaDecode(s: string): string {
  if (s.length > 1024) throw new IdnaError('Domain too long');
  if (s.length > 254) throw new IdnaError('Domain too long');
  const { labels, trailingDot } = idnaLabels(s);
  const result = labels.map((label) => {
    const u = idnaUlabel(label);
    if (u === '') throw new IdnaError('Empty label');
    return u;
  });
  if (trailingDot) result.push('');
  return result.join('.');
}

/** Mirrors idna.encode(str). */
function idnaEncode(s: string): string {
  if (codePointLength(s) > 1024) throw new IdnaError('Domain too long');
  if (codePointLength(s) > 254) throw new IdnaError('Domain too long');
  const { labels, trailingDot } = idnaLabels(s);
  const result = labels.map((label) => {
    const a = idnaAlabel(label);
    if (a === '') throw new IdnaError('Empty label');
    return a;
  });
  if (trailingDot) result.push('');
  const joined = result.join('.');
  if (joined.length > 253 + (trailingDot ? 1 : 0)) throw new IdnaError('Domain too long');
  return joined;
}

// ---------------------------------------------------------------------------
// Punycode, ported from CPython's encodings/punycode.py
// ---------------------------------------------------------------------------

const PUNY_DIGITS = 'abcdefghijklmnopqrstuvwxyz0123456789';

function punyT(j: number, bias: number): number {
  const res = 36 * (j + 1) - bias;
  return Math.min(26, Math.max(1, res));
}

function punyAdapt(delta: number, first: boolean, numchars: number): number {
  let d = first ? Math.floor(delta / 700) : Math.floor(delta / 2);
  d += Math.floor(d / numchars);
  let divisions = 0;
  while (d > 455) {
    d = Math.floor(d / 35);
    divisions += 36;
  }
  return divisions + Math.floor((36 * d) / (d + 38));
}

function punycodeEncode(text: string): string {
  const chars = toChars(text);
  const codes = chars.map(codePoint);
  const base = chars.filter((c) => codePoint(c) < 128).join('');
  const extended = Array.from(new Set(codes.filter((c) => c >= 128))).sort((a, b) => a - b);

  // insertion_unsort
  const deltas: number[] = [];
  let oldchar = 0x80;
  let oldindex = -1;
  for (const char of extended) {
    let delta = (codes.filter((c) => c < char).length + 1) * (char - oldchar);
    let index = -1;
    for (const c of codes) {
      if (c < char) index++;
      else if (c === char) {
        index++;
        delta += index - oldindex;
        deltas.push(delta - 1);
        oldindex = index;
        delta = 0;
      }
    }
    oldchar = char;
  }

  // generate_integers
  let out = '';
  let bias = 72;
  deltas.forEach((delta, points) => {
    let n = delta;
    for (let j = 0; ; j++) {
      const t = punyT(j, bias);
      if (n < t) {
        out += PUNY_DIGITS[n];
        break;
      }
      out += PUNY_DIGITS[t + ((n - t) % (36 - t))];
      n = Math.floor((n - t) / (36 - t));
    }
    bias = punyAdapt(delta, points === 0, base.length + points + 1);
  });
  return base ? `${base}-${out}` : out;
}

function punycodeDecode(text: string): string {
  const pos = text.lastIndexOf('-');
  const base = toChars(pos === -1 ? '' : text.slice(0, pos));
  const extended = (pos === -1 ? text : text.slice(pos + 1)).toUpperCase();

  let char = 0x80;
  let position = -1;
  let bias = 72;
  let extpos = 0;
  while (extpos < extended.length) {
    // decode_generalized_number
    let result = 0;
    let w = 1;
    let newpos = extpos;
    for (let j = 0; ; j++) {
      if (newpos >= extended.length) throw new Error('incomplete punicode string');
      const code = extended.charCodeAt(newpos++);
      let digit: number;
      if (code >= 0x41 && code <= 0x5a) digit = code - 0x41;
      else if (code >= 0x30 && code <= 0x39) digit = code - 22;
      else throw new Error('Invalid extended code point');
      const t = punyT(j, bias);
      result += digit * w;
      if (digit < t) break;
      w *= 36 - t;
    }
    position += result + 1;
    char += Math.floor(position / (base.length + 1));
    if (char > 0x10ffff) throw new Error('Invalid character');
    position %= base.length + 1;
    base.splice(position, 0, String.fromCodePoint(char));
    bias = punyAdapt(result, extpos === 0, base.length);
    extpos = newpos;
  }
  return base.join('');
}

// ---------------------------------------------------------------------------
// Entry points
// ---------------------------------------------------------------------------

/** Mirrors email_validator.validate_email with pydantic's options; returns `normalized`. */
function emailValidatorNormalize(email: string): string {
  const { displayName, localPart, domainPart, isQuotedLocalPart } = splitEmail(email);
  const original = `${isQuotedLocalPart ? `"${localPart}"` : localPart}@${domainPart}`;

  const info = validateEmailLocalPart(localPart, isQuotedLocalPart);
  let local = info.localPart;
  let asciiLocal = info.asciiLocalPart;

  const normalizedLocal = local.normalize('NFC');
  if (normalizedLocal !== local) {
    try {
      validateEmailLocalPart(normalizedLocal, isQuotedLocalPart);
    } catch (e) {
      if (e instanceof EmailSyntaxError) throw new EmailSyntaxError(`After Unicode normalization: ${e.message}`);
      throw e;
    }
    local = normalizedLocal;
  }

  // Raised after the local-part checks so that mandatory checks win.
  if (isQuotedLocalPart) throw new EmailSyntaxError('Quoting the part before the @-sign is not allowed here.');

  if (asciiLocal !== null && CASE_INSENSITIVE_MAILBOX_NAMES.has(asciiLocal.toLowerCase())) {
    asciiLocal = asciiLocal.toLowerCase();
    local = local.toLowerCase();
  }

  let domain: DomainInfo;
  if (domainPart.length === 0) {
    throw new EmailSyntaxError('There must be something after the @-sign.');
  } else if (domainPart.startsWith('[') && domainPart.endsWith(']')) {
    validateEmailDomainLiteral(domainPart.slice(1, -1));
    throw new EmailSyntaxError('A bracketed IP address after the @-sign is not allowed here.');
  } else {
    domain = validateEmailDomainName(domainPart);
  }

  const normalized = `${local}@${domain.domain}`;
  validateEmailLength(original, normalized, `${asciiLocal || local}@${domain.asciiDomain}`);

  if (displayName !== null) {
    throw new EmailSyntaxError('A display name and angle brackets around the email address are not permitted here.');
  }
  return normalized;
}

/**
 * Validates and normalises an email address exactly like pydantic's `EmailStr`
 * (pydantic.networks.validate_email). `reason` is the text pydantic puts after
 * "value is not a valid email address: ".
 */
export function validateEmail(value: string): EmailValidationResult {
  if (value.length > MAX_EMAIL_LENGTH && codePointLength(value) > MAX_EMAIL_LENGTH) {
    return { ok: false, reason: `Length must not exceed ${MAX_EMAIL_LENGTH} characters` };
  }
  const pretty = PRETTY_EMAIL_REGEX.exec(value);
  const email = pyStrip(pretty ? pretty[3] : value);
  try {
    return { ok: true, email: emailValidatorNormalize(email) };
  } catch (e) {
    if (e instanceof EmailSyntaxError) return { ok: false, reason: e.message };
    throw e;
  }
}
