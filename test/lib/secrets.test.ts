import { maskPassword } from '../../src/lib/secrets';

describe('maskPassword: a connection URL fit for a log', () => {
  it.each([
    ['postgres://app:s3cr%40t@db.internal:5432/hydracore', 'postgres://app:***@db.internal:5432/hydracore'],
    ['postgresql://app:pw@db/hydracore?sslmode=require', 'postgresql://app:***@db/hydracore?sslmode=require'],
    ['postgres://app@db/hydracore?password=pw&sslmode=require', 'postgres://app@db/hydracore?password=***&sslmode=require'],
    ['redis://:pw@cache:6379/0', 'redis://:***@cache:6379/0'],
    ['rediss://default:pw@cache:6380', 'rediss://default:***@cache:6380'],
    ['smtp://mailer:pw@mail.example.com:587', 'smtp://mailer:***@mail.example.com:587'],
  ])('%s -> %s', (url, masked) => {
    expect(maskPassword(url)).toBe(masked);
  });

  it('leaves a URL without a password as it is', () => {
    expect(maskPassword('postgres://postgres@127.0.0.1:5432/test')).toBe('postgres://postgres@127.0.0.1:5432/test');
    expect(maskPassword('redis://127.0.0.1:6379')).toBe('redis://127.0.0.1:6379');
  });
});
