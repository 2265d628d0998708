import { ConfigError, loadConfig } from '../src/config';

describe('configuration', () => {
  it('defaults to the embedded SQLite database and console mail on port 8000', () => {
    const config = loadConfig({});
    expect(config.port).toBe(8000);
    expect(config.database).toEqual({ client: 'sqlite', connection: 'data/hydracore.sqlite' });
    expect(config.mail.transport).toBe('console');
    expect(config.publicUrl).toBe('http://localhost:8000');
  });

  it('switches to PostgreSQL with DATABASE_URL', () => {
    const config = loadConfig({ DATABASE_URL: 'postgres://u@db:5432/app' });
    expect(config.database).toEqual({ client: 'postgres', connection: 'postgres://u@db:5432/app', schema: undefined });
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
});
