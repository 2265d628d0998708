import { base32Decode, base32Encode, hotp, matchingTimeStep, newTotpSecret, otpauthUri, timeStep, totp } from '../../src/lib/totp';

/** RFC 6238 appendix B and RFC 4226 appendix D: the seed of both is the ASCII "12345678901234567890". */
const SEED = Buffer.from('12345678901234567890', 'ascii');

describe('TOTP (RFC 6238) and HOTP (RFC 4226)', () => {
  it.each([
    [59, '94287082'],
    [1111111109, '07081804'],
    [1111111111, '14050471'],
    [1234567890, '89005924'],
    [2000000000, '69279037'],
    [20000000000, '65353130'],
  ])('RFC 6238 SHA-1 test vector at T = %d s: %s (8 digits), and its last 6 with 6 digits', (seconds, code) => {
    const at = new Date(seconds * 1000);
    expect(totp(SEED, at, 8)).toBe(code);
    expect(totp(SEED, at)).toBe(code.slice(2));
  });

  it('RFC 4226 appendix D: the HOTP values for counters 0 to 9', () => {
    const expected = ['755224', '287082', '359152', '969429', '338314', '254676', '287922', '162583', '399871', '520489'];
    expect(expected.map((_, counter) => hotp(SEED, counter))).toEqual(expected);
  });

  it('time steps are 30 seconds from the Unix epoch', () => {
    expect(timeStep(new Date(59_000))).toBe(1);
    expect(timeStep(new Date(60_000))).toBe(2);
    expect(timeStep(new Date(1111111109_000))).toBe(37037036);
  });

  it('accepts the codes of one step either side of now, and no further', () => {
    const now = new Date(1_800_000_015_000);
    const step = timeStep(now);
    for (const offset of [-1, 0, 1]) expect(matchingTimeStep(SEED, hotp(SEED, step + offset), now)).toBe(step + offset);
    for (const offset of [-2, 2]) expect(matchingTimeStep(SEED, hotp(SEED, step + offset), now)).toBeUndefined();
    expect(matchingTimeStep(SEED, '12345', now)).toBeUndefined();
    expect(matchingTimeStep(SEED, 'abcdef', now)).toBeUndefined();
  });

  it('base32 (RFC 4648 section 10 vectors, no padding) round-trips', () => {
    const vectors: Array<[string, string]> = [['', ''], ['f', 'MY'], ['fo', 'MZXQ'], ['foo', 'MZXW6'], ['foob', 'MZXW6YQ'], ['fooba', 'MZXW6YTB'], ['foobar', 'MZXW6YTBOI']];
    for (const [plain, encoded] of vectors) {
      expect(base32Encode(Buffer.from(plain))).toBe(encoded);
      expect(base32Decode(encoded)?.toString()).toBe(plain);
    }
    expect(base32Decode('mzxw 6ytb oi======')?.toString()).toBe('foobar');
    expect(base32Decode('MZXW1')).toBeUndefined();
  });

  it('new secrets are 160 random bits in base32', () => {
    const secret = newTotpSecret();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(base32Decode(secret)).toHaveLength(20);
    expect(newTotpSecret()).not.toBe(secret);
  });

  it('the otpauth URI percent-encodes issuer and account', () => {
    expect(otpauthUri('Hydra Core', 'ada+ops@example.com', 'JBSWY3DPEHPK3PXP')).toBe(
      'otpauth://totp/Hydra%20Core:ada%2Bops%40example.com?secret=JBSWY3DPEHPK3PXP&issuer=Hydra%20Core&algorithm=SHA1&digits=6&period=30',
    );
  });
});
