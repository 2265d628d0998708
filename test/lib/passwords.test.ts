import argon2 from 'argon2';
import { COMMON_PASSWORD_LIST_SIZE, isCommonPassword, PasswordHasher } from '../../src/lib/passwords';

describe('password hashing', () => {
  const settings = { memoryKib: 1024, timeCost: 1, parallelism: 1, concurrency: 2 };

  it('hashes with argon2id and the configured cost, and verifies', async () => {
    const hasher = new PasswordHasher(settings);
    const hash = await hasher.hash('a passphrase');
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=1024,p=1,t=1\$/);
    expect(await hasher.verify(hash, 'a passphrase')).toBe(true);
    expect(await hasher.verify(hash, 'another')).toBe(false);
    expect(await hasher.verify('not a hash', 'x')).toBe(false);
    expect(await hasher.verifyDummy('x')).toBe(false);
    expect(hasher.needsRehash(hash)).toBe(false);
    expect(new PasswordHasher({ ...settings, memoryKib: 2048 }).needsRehash(hash)).toBe(true);
  });

  it('never runs more hashes at once than its concurrency; the rest queue', async () => {
    const hasher = new PasswordHasher(settings);
    let running = 0;
    let peak = 0;
    const original = argon2.hash;
    const spy = jest.spyOn(argon2, 'hash').mockImplementation(async (...args: Parameters<typeof argon2.hash>) => {
      running += 1;
      peak = Math.max(peak, running);
      try {
        return await original(...args);
      } finally {
        running -= 1;
      }
    });
    try {
      const pending = Array.from({ length: 8 }, (_, i) => hasher.hash(`p${i}`));
      expect(hasher.queueDepth).toBe(6);
      await Promise.all(pending);
      expect(peak).toBe(2);
      expect(hasher.queueDepth).toBe(0);
    } finally {
      spy.mockRestore();
    }
  });

  it('knows at least the 10,000 most common passwords, case-insensitively', () => {
    expect(COMMON_PASSWORD_LIST_SIZE).toBeGreaterThanOrEqual(10_000);
    for (const p of ['123456', 'password', 'Password', 'qwertyuiop', 'iloveyou', 'letmein']) expect(isCommonPassword(p)).toBe(true);
    expect(isCommonPassword('correct horse battery staple')).toBe(false);
  });
});
