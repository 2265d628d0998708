/**
 * HTTP Basic credentials exactly as FastAPI's `HTTPBasic` reads them: the scheme word is
 * case-insensitive; the parameter is everything after the first space; base64 is decoded
 * leniently (characters outside the alphabet are dropped, padding must work out) and must
 * be ASCII; user and password split at the first `:`. Anything else: no credentials.
 */
export function readBasicCredentials(header: string | string[] | undefined): { username: string; password: string } | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return undefined;
  const space = value.indexOf(' ');
  const scheme = space === -1 ? value : value.slice(0, space);
  if (scheme.toLowerCase() !== 'basic') return undefined;
  const decoded = decodeBase64Like(space === -1 ? '' : value.slice(space + 1));
  if (decoded === undefined) return undefined;
  const colon = decoded.indexOf(':');
  if (colon === -1) return undefined;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/**
 * Python's `base64.b64decode(s)` (CPython's non-strict `binascii.a2b_base64`) followed by
 * `.decode("ascii")`: non-alphabet characters are skipped, a `=` only counts where it
 * completes a quantum (and then ends the input), and a dangling quantum is an error.
 */
function decodeBase64Like(param: string): string | undefined {
  if (/[^\x00-\x7f]/.test(param)) return undefined;
  const out: number[] = [];
  let quadPos = 0;
  let pads = 0;
  let left = 0;
  for (const ch of param) {
    if (ch === '=') {
      pads += 1;
      if (quadPos >= 2 && quadPos + pads >= 4) {
        quadPos = 0;
        break;
      }
      continue;
    }
    const value = ALPHABET.indexOf(ch);
    if (value === -1) continue;
    pads = 0;
    if (quadPos === 0) left = value;
    else if (quadPos === 1) {
      out.push(((left << 2) | (value >> 4)) & 0xff);
      left = value & 0x0f;
    } else if (quadPos === 2) {
      out.push(((left << 4) | (value >> 2)) & 0xff);
      left = value & 0x03;
    } else out.push(((left << 6) | value) & 0xff);
    quadPos = (quadPos + 1) % 4;
  }
  if (quadPos !== 0) return undefined;
  if (out.some((byte) => byte > 0x7f)) return undefined;
  return Buffer.from(out).toString('latin1');
}
