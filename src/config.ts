import path from 'node:path';

/**
 * Every knob of the gateway, read from the environment once, typed and validated.
 * `.env.example` documents each variable; `loadConfig` names every bad one at once.
 */
export type AppEnv = 'development' | 'test' | 'production';
export type MailTransportName = 'console' | 'smtp' | 'resend';

export interface DatabaseConfig {
  /** `sqlite` (embedded default, a file under ./data) or `postgres`. */
  client: 'sqlite' | 'postgres';
  /** SQLite file path, or the PostgreSQL connection string. */
  connection: string;
  /** PostgreSQL schema to use (tests isolate themselves in one schema each). */
  schema?: string;
}

export interface MailConfig {
  transport: MailTransportName;
  from: string;
  smtpUrl?: string;
  resendApiKey?: string;
  resendApiUrl: string;
  /** Delivery attempts before a message is parked as `failed`. */
  maxAttempts: number;
  /** First retry delay; doubles on each attempt up to `retryMaxMs`. */
  retryBaseMs: number;
  retryMaxMs: number;
  /** How often the sender looks for due mail when nobody pokes it. */
  pollIntervalMs: number;
}

export interface Config {
  env: AppEnv;
  host: string;
  port: number;
  logLevel: string;
  publicUrl: string;
  database: DatabaseConfig;
  mail: MailConfig;
  /** Run pending migrations when the server starts (the embedded default does). */
  migrateOnStart: boolean;
  /** Milliseconds to wait for in-flight requests on shutdown before closing anyway. */
  shutdownGraceMs: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

/** A tiny typed reader that collects every problem instead of stopping at the first. */
class EnvReader {
  readonly problems: string[] = [];
  constructor(private readonly env: Env) {}

  raw(name: string): string | undefined {
    const value = this.env[name];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  }

  string(name: string, fallback: string): string {
    return this.raw(name) ?? fallback;
  }

  optional(name: string): string | undefined {
    return this.raw(name);
  }

  int(name: string, fallback: number, min: number, max: number): number {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
      this.problems.push(`${name} must be a whole number from ${min} to ${max} (got "${value}")`);
      return fallback;
    }
    return Number(value);
  }

  bool(name: string, fallback: boolean): boolean {
    const value = this.raw(name)?.toLowerCase();
    if (value === undefined) return fallback;
    if (['1', 'true', 'yes', 'on'].includes(value)) return true;
    if (['0', 'false', 'no', 'off'].includes(value)) return false;
    this.problems.push(`${name} must be true or false (got "${value}")`);
    return fallback;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    if (!(allowed as readonly string[]).includes(value)) {
      this.problems.push(`${name} must be one of ${allowed.join(', ')} (got "${value}")`);
      return fallback;
    }
    return value as T;
  }

  url(name: string, fallback: string, protocols: string[]): string {
    const value = this.raw(name) ?? fallback;
    try {
      const parsed = new URL(value);
      if (!protocols.includes(parsed.protocol)) throw new Error('protocol');
    } catch {
      this.problems.push(`${name} must be a URL starting with ${protocols.join(' or ')} (got "${value}")`);
    }
    return value.replace(/\/+$/, '');
  }
}

const DEFAULT_SQLITE_FILE = path.join('data', 'hydracore.sqlite');

function readDatabase(reader: EnvReader): DatabaseConfig {
  const url = reader.optional('DATABASE_URL');
  if (url === undefined) return { client: 'sqlite', connection: DEFAULT_SQLITE_FILE };
  if (/^postgres(ql)?:\/\//.test(url)) {
    return { client: 'postgres', connection: url, schema: reader.optional('DATABASE_SCHEMA') };
  }
  if (url.startsWith('sqlite:')) {
    const file = url.slice('sqlite:'.length).replace(/^\/\//, '');
    if (file === '') reader.problems.push('DATABASE_URL sqlite: needs a file path, e.g. sqlite:./data/hydracore.sqlite');
    return { client: 'sqlite', connection: file || DEFAULT_SQLITE_FILE };
  }
  reader.problems.push(`DATABASE_URL must start with postgres://, postgresql:// or sqlite: (got "${url}")`);
  return { client: 'sqlite', connection: DEFAULT_SQLITE_FILE };
}

function readMail(reader: EnvReader): MailConfig {
  const transport = reader.oneOf('MAIL_TRANSPORT', ['console', 'smtp', 'resend'] as const, 'console');
  const smtpUrl = reader.optional('SMTP_URL');
  const resendApiKey = reader.optional('RESEND_API_KEY');
  if (transport === 'smtp' && smtpUrl === undefined) {
    reader.problems.push('SMTP_URL is required when MAIL_TRANSPORT=smtp (e.g. smtp://user:pass@mail.example.com:587)');
  }
  if (transport === 'resend' && resendApiKey === undefined) {
    reader.problems.push('RESEND_API_KEY is required when MAIL_TRANSPORT=resend');
  }
  const retryBaseMs = reader.int('MAIL_RETRY_BASE_MS', 2_000, 1, 3_600_000);
  return {
    transport,
    from: reader.string('MAIL_FROM', 'HydraCore <no-reply@hydracore.example.com>'),
    smtpUrl,
    resendApiKey,
    resendApiUrl: reader.url('RESEND_API_URL', 'https://api.resend.com', ['https:', 'http:']),
    maxAttempts: reader.int('MAIL_MAX_ATTEMPTS', 8, 1, 100),
    retryBaseMs,
    retryMaxMs: Math.max(retryBaseMs, reader.int('MAIL_RETRY_MAX_MS', 300_000, 1, 86_400_000)),
    pollIntervalMs: reader.int('MAIL_POLL_INTERVAL_MS', 1_000, 10, 3_600_000),
  };
}

export function loadConfig(env: Env = process.env): Config {
  const reader = new EnvReader(env);
  const appEnv = reader.oneOf('NODE_ENV', ['development', 'test', 'production'] as const, 'development');
  const port = reader.int('PORT', 8000, 1, 65535);
  const config: Config = {
    env: appEnv,
    host: reader.string('HOST', '127.0.0.1'),
    port,
    logLevel: reader.oneOf('LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, appEnv === 'test' ? 'silent' : 'info'),
    publicUrl: reader.url('PUBLIC_URL', `http://localhost:${port}`, ['http:', 'https:']),
    database: readDatabase(reader),
    mail: readMail(reader),
    migrateOnStart: reader.bool('MIGRATE_ON_START', true),
    shutdownGraceMs: reader.int('SHUTDOWN_GRACE_MS', 10_000, 0, 600_000),
  };
  if (reader.problems.length > 0) throw new ConfigError(reader.problems);
  return config;
}
