import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from '../src/config';

describe('configuration', () => {
  it('defaults to the embedded SQLite database and console mail on port 8000', () => {
    const config = loadConfig({});
    expect(config.port).toBe(8000);
    expect(config.database).toEqual({ client: 'sqlite', connection: 'data/hydracore.sqlite', authCache: true });
    expect(config.mail.transport).toBe('console');
    expect(config.publicUrl).toBe('http://localhost:8000');
  });

  it('switches to PostgreSQL with DATABASE_URL', () => {
    const config = loadConfig({ DATABASE_URL: 'postgres://u@db:5432/app' });
    expect(config.database).toEqual({ client: 'postgres', connection: 'postgres://u@db:5432/app', schema: undefined, authCache: true });
    expect(loadConfig({ DATABASE_URL: 'postgres://u@db:5432/app', AUTH_CACHE: 'false' }).database.authCache).toBe(false);
  });

  it('names every bad variable at once', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', MAIL_TRANSPORT: 'pigeon', DATABASE_URL: 'mysql://x', MIGRATE_ON_START: 'maybe' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const { problems } = error as ConfigError;
    expect(problems).toHaveLength(4);
    expect(problems.join('\n')).toMatch(/PORT must be a whole number from 1 to 65535 \(got "eighty"\)/);
    expect(problems.join('\n')).toMatch(/MAIL_TRANSPORT must be one of console, smtp, resend/);
    expect(problems.join('\n')).toMatch(/DATABASE_URL must start with postgres/);
    expect(problems.join('\n')).toMatch(/MIGRATE_ON_START must be true or false/);
  });

  it('requires the settings of the chosen mail transport', () => {
    expect(() => loadConfig({ MAIL_TRANSPORT: 'smtp' })).toThrow(/SMTP_URL is required when MAIL_TRANSPORT=smtp/);
    expect(() => loadConfig({ MAIL_TRANSPORT: 'resend' })).toThrow(/RESEND_API_KEY is required/);
  });

  describe('TRUST_PROXY (regression: passed raw to Fastify, `true` crashed with a stack trace)', () => {
    it('accepts addresses, CIDRs and proxy-addr range names as a list, or a hop count', () => {
      expect(loadConfig({}).trustProxy).toBeUndefined();
      expect(loadConfig({ TRUST_PROXY: '10.0.0.1' }).trustProxy).toBe('10.0.0.1');
      expect(loadConfig({ TRUST_PROXY: ' 10.0.0.0/8, 2001:db8::/32 ,loopback,linklocal,uniquelocal,::1' }).trustProxy).toBe(
        '10.0.0.0/8,2001:db8::/32,loopback,linklocal,uniquelocal,::1',
      );
      expect(loadConfig({ TRUST_PROXY: '2' }).trustProxy).toBe(2);
    });

    it('refuses `true` (trusting every hop lets any client forge its address), saying to name the proxies', () => {
      for (const value of ['true', 'TRUE']) {
        expect(() => loadConfig({ TRUST_PROXY: value })).toThrow(ConfigError);
        expect(() => loadConfig({ TRUST_PROXY: value })).toThrow(/TRUST_PROXY=true would trust every hop.*name the proxies/);
      }
    });

    it.each(['yes', '10.0.0.300', '10.0.0.0/33', '::1/129', '10.0.0.0/8/1', 'proxy.example.com', '10.0.0.1,', '0', '1.5', '-1'])(
      'refuses %j, naming the variable',
      (value) => {
        let error: unknown;
        try {
          loadConfig({ TRUST_PROXY: value });
        } catch (e) {
          error = e;
        }
        expect(error).toBeInstanceOf(ConfigError);
        expect((error as ConfigError).problems).toEqual([expect.stringMatching(/^TRUST_PROXY /)]);
      },
    );
  });

  it('regression: the default JWT issuer was derived from PORT; it is the fixed hydracore unless set', () => {
    expect(loadConfig({ PORT: '8001' }).auth.jwt).toMatchObject({ issuer: 'hydracore', audience: 'hydracore' });
    expect(loadConfig({ PORT: '8002' }).auth.jwt).toMatchObject({ issuer: 'hydracore', audience: 'hydracore' });
    expect(loadConfig({ PORT: '8001', PUBLIC_URL: 'https://id.example.com/' }).auth.jwt.issuer).toBe('https://id.example.com');
    expect(loadConfig({ PUBLIC_URL: 'https://id.example.com', JWT_ISSUER: 'issuer-x', JWT_AUDIENCE: 'aud-y' }).auth.jwt).toMatchObject({ issuer: 'issuer-x', audience: 'aud-y' });
  });

  it('regression: console mail was the silent default in production; MAIL_TRANSPORT must be named there', () => {
    const production = { NODE_ENV: 'production', JWT_SECRET: 'production-secret-production-secret-0123', MFA_ENCRYPTION_KEY: 'q5gkG9Zg0Bq8Sx1h3H0x6yNl2mJ3kq8pVw4Zt6Y1rAc=' };
    let error: unknown;
    try {
      loadConfig(production);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([expect.stringMatching(/^MAIL_TRANSPORT is required in production/)]);
    expect(() => loadConfig({ ...production, MAIL_TRANSPORT: ' ' })).toThrow(/MAIL_TRANSPORT is required in production/);
    // Asked for by name, console is allowed; so are the real transports.
    expect(loadConfig({ ...production, MAIL_TRANSPORT: 'console' }).mail.transport).toBe('console');
    expect(loadConfig({ ...production, MAIL_TRANSPORT: 'smtp', SMTP_URL: 'smtp://mail.example.com:587' }).mail.transport).toBe('smtp');
    // Outside production console stays the default.
    expect(loadConfig({ NODE_ENV: 'development' }).mail.transport).toBe('console');
  });

  it('MFA_ENCRYPTION_KEY: 32 bytes in hex or base64, required in production, derived from JWT_SECRET elsewhere', () => {
    const production = { NODE_ENV: 'production', JWT_SECRET: 'production-secret-production-secret-0123', MAIL_TRANSPORT: 'smtp', SMTP_URL: 'smtp://mail.example.com:587' };
    expect(() => loadConfig(production)).toThrow(/^MFA_ENCRYPTION_KEY is required in production: 32 random bytes/);
    const key = Buffer.alloc(32, 7);
    expect(loadConfig({ ...production, MFA_ENCRYPTION_KEY: key.toString('hex') }).auth.mfaKey).toEqual(key);
    expect(loadConfig({ ...production, MFA_ENCRYPTION_KEY: key.toString('base64') }).auth.mfaKey).toEqual(key);
    expect(loadConfig({ ...production, MFA_ENCRYPTION_KEY: key.toString('base64url') }).auth.mfaKey).toEqual(key);
    for (const bad of ['short', Buffer.alloc(16).toString('hex'), Buffer.alloc(31).toString('base64'), `${key.toString('hex')}00`]) {
      expect(() => loadConfig({ ...production, MFA_ENCRYPTION_KEY: bad })).toThrow(/^MFA_ENCRYPTION_KEY must be 32 bytes/);
    }
    // Outside production: the same key for the same JWT_SECRET (a development database survives
    // restarts), another for another secret, and a fixed one without any.
    const derived = loadConfig({ JWT_SECRET: 'a-real-secret-a-real-secret-a-real-secret-42' }).auth.mfaKey;
    expect(derived).toHaveLength(32);
    expect(loadConfig({ JWT_SECRET: 'a-real-secret-a-real-secret-a-real-secret-42' }).auth.mfaKey).toEqual(derived);
    expect(loadConfig({ JWT_SECRET: 'another-secret-another-secret-another-secret' }).auth.mfaKey).not.toEqual(derived);
    expect(loadConfig({}).auth.mfaKey).toEqual(loadConfig({}).auth.mfaKey);
    expect(loadConfig({}).auth.mfaKey).not.toEqual(derived);
  });

  it('LOG_FORMAT: pretty at a terminal outside production, JSON anywhere else, or as set', () => {
    const production = { NODE_ENV: 'production', JWT_SECRET: 'production-secret-production-secret-0123', MFA_ENCRYPTION_KEY: 'q5gkG9Zg0Bq8Sx1h3H0x6yNl2mJ3kq8pVw4Zt6Y1rAc=', MAIL_TRANSPORT: 'smtp', SMTP_URL: 'smtp://mail.example.com:587' };
    expect(loadConfig({}, true).logFormat).toBe('pretty');
    expect(loadConfig({ NODE_ENV: 'test' }, true).logFormat).toBe('pretty');
    expect(loadConfig({}, false).logFormat).toBe('json');
    expect(loadConfig(production, true).logFormat).toBe('json');
    expect(loadConfig({ ...production, LOG_FORMAT: 'pretty' }, false).logFormat).toBe('pretty');
    expect(loadConfig({ LOG_FORMAT: 'json' }, true).logFormat).toBe('json');
    expect(() => loadConfig({ LOG_FORMAT: 'xml' })).toThrow(/^LOG_FORMAT must be one of pretty, json \(got "xml"\)$/);
  });

  it('each problem is one line naming its variable (no header, no stack)', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', LOG_FORMAT: 'xml' });
    } catch (e) {
      error = e;
    }
    expect((error as ConfigError).message.split('\n')).toEqual(['PORT must be a whole number from 1 to 65535 (got "eighty")', 'LOG_FORMAT must be one of pretty, json (got "xml")']);
  });

  it('regression: a sqlite: path in a missing directory started on a new, empty database', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hydracore-config-'));
    try {
      const missing = path.join(dir, 'typo', 'hydracore.sqlite');
      expect(() => loadConfig({ DATABASE_URL: `sqlite:${missing}` })).toThrow(`DATABASE_URL: directory ${path.join(dir, 'typo')} does not exist (sqlite:${missing}); create it or correct the path`);
      expect(fs.existsSync(path.join(dir, 'typo'))).toBe(false);
      expect(loadConfig({ DATABASE_URL: `sqlite:${path.join(dir, 'new.sqlite')}` }).database.connection).toBe(path.join(dir, 'new.sqlite'));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('lists the risky settings it accepts, each naming its variable', () => {
    const secret = { JWT_SECRET: 'a-real-secret-a-real-secret-a-real-secret-42' };
    expect(loadConfig(secret).warnings).toEqual([]);
    expect(loadConfig({}).warnings).toEqual([expect.stringMatching(/^JWT_SECRET is unset: /)]);
    expect(loadConfig({ JWT_SECRET: 'change-me-to-a-long-random-secret-of-32-chars-or-more' }).warnings).toEqual([expect.stringMatching(/^JWT_SECRET is the example value of \.env\.example/)]);
    expect(loadConfig({ ...secret, PUBLIC_URL: 'https://id.example.com', COOKIE_SECURE: 'false' }).warnings).toEqual([
      expect.stringMatching(/^COOKIE_SECURE=false while PUBLIC_URL is https/),
      expect.stringMatching(/^TRUST_PROXY is unset while PUBLIC_URL is https/),
    ]);
    expect(loadConfig({ ...secret, PUBLIC_URL: 'https://id.example.com', COOKIE_SECURE: 'true', TRUST_PROXY: 'loopback' }).warnings).toEqual([]);
    expect(loadConfig({ ...secret, AUTH_CACHE: 'false' }).warnings).toEqual([expect.stringMatching(/^AUTH_CACHE=false: /)]);
    const production = { ...secret, NODE_ENV: 'production', MFA_ENCRYPTION_KEY: 'q5gkG9Zg0Bq8Sx1h3H0x6yNl2mJ3kq8pVw4Zt6Y1rAc=', MAIL_TRANSPORT: 'smtp', SMTP_URL: 'smtp://mail.example.com:587' };
    expect(loadConfig(production).warnings).toEqual([]);
    expect(loadConfig({ ...production, MAIL_TRANSPORT: 'console', GRAPHIQL_ENABLED: 'true', GRAPHQL_FIELD_SUGGESTIONS: 'true' }).warnings.map((w) => w.split(/[ =:]/, 1)[0])).toEqual([
      'GRAPHIQL_ENABLED',
      'GRAPHQL_FIELD_SUGGESTIONS',
      'MAIL_TRANSPORT',
    ]);
    // Outside production GraphiQL and introspection are the defaults, not risks.
    expect(loadConfig({ ...secret, GRAPHIQL_ENABLED: 'true', GRAPHQL_INTROSPECTION: 'true' }).warnings).toEqual([]);
  });
});
