import { createHash, hkdfSync, randomBytes } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { isIP } from 'node:net';
import path from 'node:path';
import type { CookieSpec } from './lib/cookies';
import { LIMITS, type LimitRules } from './lib/limits';
import { keyProblem, readPem, type JwtAlgorithm, type JwtKeyConfig } from './lib/jwt';
import { defaultHashConcurrency, type Argon2Settings } from './lib/passwords';

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
  /**
   * Keep what session checks read in memory while the database has not changed it (default
   * on; src/db/hot-path.ts). Off: every check reads the database (e.g. behind a PostgreSQL
   * pooler in transaction mode, where LISTEN cannot work).
   */
  authCache?: boolean;
}

export interface MailConfig {
  transport: MailTransportName;
  from: string;
  smtpUrl?: string;
  resendApiKey?: string;
  resendApiUrl: string;
  /**
   * How long mail that carries no expiry of its own (codes and links carry theirs) is retried
   * before it is dropped as `expired`. There is no attempt limit: retries go on until expiry.
   */
  defaultExpiryMs: number;
  /** First retry delay; doubles on each attempt up to `retryMaxMs`. */
  retryBaseMs: number;
  retryMaxMs: number;
  /** How often the sender (and the mail-request worker) look for due work when nobody pokes them. */
  pollIntervalMs: number;
}

export interface AuthConfig {
  jwt: JwtKeyConfig;
  /** Refresh-token lifetime, operators and customers (CONTRACT section 3: 30 days). */
  operatorRefreshTtlSeconds: number;
  customerRefreshTtlSeconds: number;
  /** How long an unverified signup holds its node slot before it is released. */
  pendingSignupTtlSeconds: number;
  /** `Secure` on auth cookies (off by default only outside production, for http://localhost). */
  cookieSecure: boolean;
  /**
   * `SameSite` of the auth cookies: `lax` (the legacy value; same-site apps, e.g. app.example.com
   * calling id.example.com, or localhost ports), `strict`, or `none` for an app on another site
   * (browsers then require `Secure`, so COOKIE_SECURE must be true).
   */
  cookieSameSite: CookieSameSite;
  /** Key of the HMAC that stores one-time codes. */
  codeKey: Buffer;
  /**
   * MFA_ENCRYPTION_KEY (32 bytes): seals TOTP secrets at rest (AES-256-GCM) and keys the HMAC
   * of recovery codes. It must stay the same for the life of the database: without it no
   * enrolled authenticator or recovery code works any more.
   */
  mfaKey: Buffer;
  /** The issuer name authenticator apps show next to the account (TOTP_ISSUER). */
  totpIssuer: string;
  /**
   * How long a proof of the second factor lets a session do sensitive operations
   * (STEP_UP_MAX_AGE_MINUTES; NIST SP 800-63B asks AAL2 to reauthenticate every 12 hours).
   */
  stepUpMaxAgeSeconds: number;
  argon2: Argon2Settings;
}

export type CookieSameSite = CookieSpec['sameSite'];

/** Browser apps: who may call the gateway from another origin, and where mailed links lead. */
export interface FrontendConfig {
  /** Exact origins (`scheme://host[:port]`) allowed to call with credentials (CORS); none by default. */
  corsOrigins: string[];
  /** The frontend's address, for every mailed link (default PUBLIC_URL). */
  siteUrl: string;
  /** The frontend page that sets a new password (`?token=` is appended). */
  resetPasswordPath: string;
  /** The frontend page where an operator types the verification code (`?email=` is appended). */
  verifyEmailPath: string;
}

/**
 * Passkeys (WebAuthn; docs/security.md "Passkeys"): the relying party passkeys are bound to,
 * and the pages allowed to run the ceremonies.
 */
export interface WebauthnConfig {
  /** RP ID: WEBAUTHN_RP_ID, else PUBLIC_URL's host. A passkey only ever works under the RP ID it was made for. */
  rpId: string;
  /** Origins a ceremony's `clientDataJSON.origin` may name: PUBLIC_URL's, SITE_URL's and CORS_ORIGINS. */
  origins: string[];
}

/** Outgoing webhooks (docs/webhooks.md). */
export interface WebhooksConfig {
  /**
   * WEBHOOK_ALLOW_PRIVATE_URLS: deliver to hosts that resolve to private, loopback, link-local,
   * unique-local, CGNAT or unspecified addresses (off: such URLs are refused, at creation and
   * at every delivery, so a tenant cannot make the gateway call into its own network).
   */
  allowPrivateUrls: boolean;
  /** HTTPS only (production): a plain-HTTP receiver would let anyone on the path read every event. */
  httpsOnly: boolean;
  /** How often the sender looks for due deliveries when nobody pokes it. */
  pollIntervalMs: number;
}

export interface GraphqlLimits {
  introspection: boolean;
  fieldSuggestions: boolean;
  maxDepth: number;
  maxAliases: number;
  maxTokens: number;
  maxDirectives: number;
  maxCost: number;
}

/**
 * Trusted documents (docs/trusted-documents.md): the manifest `npm run codegen` writes
 * (client/generated/persisted-documents.json), read and checked once at start.
 */
export interface TrustedDocumentsConfig {
  /** The manifest file, as GRAPHQL_TRUSTED_DOCUMENTS names it. */
  file: string;
  /** Document id (`sha256:<hex>`) -> document text, as the manifest lists them. */
  documents: ReadonlyMap<string, string>;
  /** GRAPHQL_TRUSTED_ONLY: `/graphql` runs nothing but these documents. */
  only: boolean;
}

export interface Config {
  env: AppEnv;
  host: string;
  port: number;
  logLevel: string;
  /** `pretty` (pino-pretty, for a person at a terminal) or `json` (one object per line, for a collector). */
  logFormat: 'pretty' | 'json';
  publicUrl: string;
  database: DatabaseConfig;
  mail: MailConfig;
  /** Run pending migrations when the server starts (the embedded default does). */
  migrateOnStart: boolean;
  /** Milliseconds to wait for in-flight requests on shutdown before closing anyway. */
  shutdownGraceMs: number;
  auth: AuthConfig;
  frontend: FrontendConfig;
  webauthn: WebauthnConfig;
  webhooks: WebhooksConfig;
  graphql: GraphqlLimits;
  /** Off (undefined) unless GRAPHQL_TRUSTED_DOCUMENTS names a manifest. */
  trustedDocuments?: TrustedDocumentsConfig;
  /** Shared rate-limit counters across processes; in memory per process when unset. */
  redisUrl?: string;
  /** Prefix of every Redis key, so several deployments (or test runs) can share one Redis. */
  redisPrefix: string;
  /**
   * Proxies whose `X-Forwarded-For` is believed (Fastify's `trustProxy`): addresses, CIDRs and
   * proxy-addr's `loopback` / `linklocal` / `uniquelocal`, comma-separated, or a hop count.
   * Unset: the socket address is the client (a forged header changes nothing).
   */
  trustProxy?: string | number;
  /** Every abuse limit (src/lib/limits.ts has the table, with defaults). */
  limits: LimitRules;
  /** Serve Prometheus metrics at /metrics. */
  metrics: boolean;
  /** Serve GraphiQL at /graphiql (never under GRAPHQL_TRUSTED_ONLY), and the REST reference at /docs. */
  graphiql: boolean;
  docs: boolean;
  /**
   * Settings that work but put something at risk (a secret that dies with the process, cookies
   * without Secure behind HTTPS, ...): logged as warnings when the server starts.
   */
  warnings: string[];
}

/**
 * Settings that stop the start: each problem is one line that names its variable (a bad value,
 * a key file that cannot be read, a database that cannot be reached), printed without a stack.
 */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
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
/** CONTRACT section 3: refresh tokens live 30 days unless configured otherwise. */
export const DEFAULT_REFRESH_TOKEN_TTL_DAYS = 30;

function isDirectory(dir: string): boolean {
  try {
    return statSync(dir).isDirectory();
  } catch {
    return false;
  }
}

function readDatabase(reader: EnvReader): DatabaseConfig {
  const url = reader.optional('DATABASE_URL');
  const authCache = reader.bool('AUTH_CACHE', true);
  if (url === undefined) return { client: 'sqlite', connection: DEFAULT_SQLITE_FILE, authCache };
  if (/^postgres(ql)?:\/\//.test(url)) {
    return { client: 'postgres', connection: url, schema: reader.optional('DATABASE_SCHEMA'), authCache };
  }
  if (url.startsWith('sqlite:')) {
    const file = url.slice('sqlite:'.length).replace(/^\/\//, '');
    if (file === '') reader.problems.push('DATABASE_URL sqlite: needs a file path, e.g. sqlite:./data/hydracore.sqlite');
    else if (file !== ':memory:' && !isDirectory(path.dirname(path.resolve(file)))) {
      // A typo in the path must not start the gateway on a new, empty database (only the
      // embedded default makes its own data/ directory).
      reader.problems.push(`DATABASE_URL: directory ${path.dirname(path.resolve(file))} does not exist (sqlite:${file}); create it or correct the path`);
    }
    return { client: 'sqlite', connection: file || DEFAULT_SQLITE_FILE, authCache };
  }
  reader.problems.push(`DATABASE_URL must start with postgres://, postgresql:// or sqlite: (got "${url}")`);
  return { client: 'sqlite', connection: DEFAULT_SQLITE_FILE };
}

function readMail(reader: EnvReader, appEnv: AppEnv): MailConfig {
  // The console transport prints every mail, codes and reset links included, to the log: in
  // production only when asked for by name, never as a default nobody noticed.
  if (appEnv === 'production' && reader.optional('MAIL_TRANSPORT') === undefined) {
    reader.problems.push('MAIL_TRANSPORT is required in production: smtp (with SMTP_URL) or resend (with RESEND_API_KEY); console only to print mail to the log on purpose');
  }
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
    defaultExpiryMs: reader.int('MAIL_DEFAULT_EXPIRY_MINUTES', 1440, 1, 525_600) * 60_000,
    retryBaseMs,
    retryMaxMs: Math.max(retryBaseMs, reader.int('MAIL_RETRY_MAX_MS', 300_000, 1, 86_400_000)),
    pollIntervalMs: reader.int('MAIL_POLL_INTERVAL_MS', 1_000, 10, 3_600_000),
  };
}

/**
 * A PEM key file, read and parsed now: a missing file or a key the algorithm cannot use stops
 * the start with one line naming the variable, instead of a stack trace from the first signature.
 */
function readKeyFile(reader: EnvReader, name: string, file: string, use: 'private' | 'public', algorithm: JwtAlgorithm): string | undefined {
  let pem: string;
  try {
    pem = readPem(file);
  } catch (error) {
    reader.problems.push(`${name}: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    return undefined;
  }
  const problem = algorithm === 'HS256' ? undefined : keyProblem(pem, use, algorithm);
  if (problem !== undefined) {
    reader.problems.push(`${name}: ${file} ${problem}`);
    return undefined;
  }
  return pem;
}

/**
 * The JWT issuer: JWT_ISSUER, else an explicitly set PUBLIC_URL, else the fixed `hydracore`.
 * Never the derived `http://localhost:$PORT`: processes on different ports (one deployment)
 * must accept each other's tokens.
 */
function readIssuer(reader: EnvReader, publicUrl: string): string {
  return reader.string('JWT_ISSUER', reader.optional('PUBLIC_URL') === undefined ? 'hydracore' : publicUrl);
}

function readAuth(reader: EnvReader, appEnv: AppEnv, publicUrl: string): AuthConfig {
  const algorithm = reader.oneOf('JWT_ALGORITHM', ['HS256', 'EdDSA', 'ES256'] as const, 'HS256') as JwtAlgorithm;
  let secret = reader.optional('JWT_SECRET');
  if (algorithm === 'HS256') {
    if (secret === undefined) {
      if (appEnv === 'production') reader.problems.push('JWT_SECRET is required in production (at least 32 characters)');
      // Outside production a missing secret is made up per process: tokens die with it.
      secret = randomBytes(32).toString('base64url');
    } else if (secret.length < 32) {
      reader.problems.push('JWT_SECRET must be at least 32 characters');
    }
  }
  const privateKeyFile = reader.optional('JWT_PRIVATE_KEY_FILE');
  if (algorithm !== 'HS256' && privateKeyFile === undefined) {
    reader.problems.push(`JWT_PRIVATE_KEY_FILE is required when JWT_ALGORITHM=${algorithm}`);
  }
  const list = (value: string | undefined) => (value ?? '').split(',').map((v) => v.trim()).filter(Boolean);
  const codeSecret = reader.optional('CODE_SECRET') ?? secret ?? privateKeyFile ?? '';
  const cookieSecure = reader.bool('COOKIE_SECURE', appEnv === 'production');
  const cookieSameSite = reader.oneOf('COOKIE_SAMESITE', ['lax', 'strict', 'none'] as const, 'lax');
  if (cookieSameSite === 'none' && !cookieSecure) reader.problems.push('COOKIE_SAMESITE=none needs COOKIE_SECURE=true (browsers drop SameSite=None cookies without Secure)');
  return {
    jwt: {
      algorithm,
      secret,
      previousSecrets: list(reader.optional('JWT_PREVIOUS_SECRETS')),
      privateKeyPem: privateKeyFile === undefined ? undefined : readKeyFile(reader, 'JWT_PRIVATE_KEY_FILE', privateKeyFile, 'private', algorithm),
      previousPublicKeyPems: list(reader.optional('JWT_PREVIOUS_PUBLIC_KEY_FILES'))
        .map((file) => readKeyFile(reader, 'JWT_PREVIOUS_PUBLIC_KEY_FILES', file, 'public', algorithm))
        .filter((pem): pem is string => pem !== undefined),
      issuer: readIssuer(reader, publicUrl),
      audience: reader.string('JWT_AUDIENCE', 'hydracore'),
    },
    operatorRefreshTtlSeconds: reader.int('REFRESH_TOKEN_TTL_DAYS', DEFAULT_REFRESH_TOKEN_TTL_DAYS, 1, 365) * 86_400,
    customerRefreshTtlSeconds: reader.int('CUSTOMER_REFRESH_TOKEN_TTL_DAYS', DEFAULT_REFRESH_TOKEN_TTL_DAYS, 1, 365) * 86_400,
    pendingSignupTtlSeconds: reader.int('PENDING_SIGNUP_TTL_HOURS', 24, 1, 720) * 3600,
    cookieSecure,
    cookieSameSite,
    codeKey: createHash('sha256').update(`hydracore one-time codes\0${codeSecret}`).digest(),
    mfaKey: readMfaKey(reader, appEnv),
    totpIssuer: reader.string('TOTP_ISSUER', 'HydraCore'),
    stepUpMaxAgeSeconds: reader.int('STEP_UP_MAX_AGE_MINUTES', 720, 1, 43_200) * 60,
    argon2: {
      memoryKib: reader.int('ARGON2_MEMORY_KIB', 19_456, 8, 4_194_304),
      timeCost: reader.int('ARGON2_TIME_COST', 2, 1, 100),
      parallelism: reader.int('ARGON2_PARALLELISM', 1, 1, 64),
      concurrency: reader.int('PASSWORD_HASH_CONCURRENCY', defaultHashConcurrency(), 1, 256),
    },
  };
}

/** What the development MFA key is derived from when neither MFA_ENCRYPTION_KEY nor JWT_SECRET is set. */
export const DEVELOPMENT_MFA_KEY_SOURCE = 'hydracore development MFA key';

/**
 * MFA_ENCRYPTION_KEY: 32 bytes, as 64 hex digits or base64 (`openssl rand -base64 32`).
 * Required in production. Elsewhere, unset, it is derived with HKDF-SHA-256 from JWT_SECRET
 * when that is set, else from the fixed `DEVELOPMENT_MFA_KEY_SOURCE`: never random per
 * process as an unset JWT_SECRET is, because a key that dies with the process would lock
 * every enrolled operator out of a development database at the next restart.
 */
function readMfaKey(reader: EnvReader, appEnv: AppEnv): Buffer {
  const value = reader.optional('MFA_ENCRYPTION_KEY');
  if (value === undefined) {
    if (appEnv === 'production') reader.problems.push('MFA_ENCRYPTION_KEY is required in production: 32 random bytes, base64 or hex (openssl rand -base64 32)');
    const source = reader.optional('JWT_SECRET') ?? DEVELOPMENT_MFA_KEY_SOURCE;
    return Buffer.from(hkdfSync('sha256', source, '', 'hydracore mfa encryption key', 32));
  }
  const key = /^[0-9a-fA-F]{64}$/.test(value) ? Buffer.from(value, 'hex') : /^[A-Za-z0-9+/]{43}=?$|^[A-Za-z0-9_-]{43}$/.test(value) ? Buffer.from(value, 'base64') : undefined;
  if (key === undefined || key.length !== 32) {
    reader.problems.push('MFA_ENCRYPTION_KEY must be 32 bytes, as 64 hex digits or base64 (openssl rand -base64 32)');
    return Buffer.alloc(32);
  }
  return key;
}

/** Every limit of the table in src/lib/limits.ts, each overridable by its variables. */
function readLimits(reader: EnvReader): LimitRules {
  const entries = Object.entries(LIMITS).map(([name, spec]) => [
    name,
    {
      limit: reader.int(spec.env, spec.limit, 1, 100_000_000),
      windowSeconds: spec.windowEnv === undefined ? spec.windowSeconds : reader.int(spec.windowEnv, spec.windowSeconds, 1, 86_400),
    },
  ]);
  return Object.fromEntries(entries) as LimitRules;
}

const PROXY_RANGE_NAMES = ['loopback', 'linklocal', 'uniquelocal'];

function isProxyAddress(entry: string): boolean {
  if (PROXY_RANGE_NAMES.includes(entry)) return true;
  const [address, prefix, ...rest] = entry.split('/');
  const version = isIP(address);
  if (version === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (version === 4 ? 32 : 128);
}

/**
 * TRUST_PROXY, checked here rather than handed to Fastify raw (where `true` crashed with a
 * stack trace). `true` (trust every hop) is refused: then any client could name its own
 * address in X-Forwarded-For and slip past the per-IP limits.
 */
function readTrustProxy(reader: EnvReader): string | number | undefined {
  const value = reader.optional('TRUST_PROXY');
  if (value === undefined) return undefined;
  if (/^\d+$/.test(value)) {
    if (Number(value) >= 1 && Number(value) <= 100) return Number(value);
    reader.problems.push(`TRUST_PROXY hop count must be from 1 to 100 (got "${value}")`);
    return undefined;
  }
  if (value.toLowerCase() === 'true') {
    reader.problems.push(
      'TRUST_PROXY=true would trust every hop, so any client could forge its address in X-Forwarded-For: name the proxies instead (addresses or CIDRs, comma-separated, or loopback, linklocal, uniquelocal), or give the number of proxy hops',
    );
    return undefined;
  }
  const entries = value.split(',').map((entry) => entry.trim());
  const bad = entries.filter((entry) => !isProxyAddress(entry));
  if (bad.length > 0) {
    reader.problems.push(
      `TRUST_PROXY must be proxy addresses or CIDRs (comma-separated; loopback, linklocal and uniquelocal name those ranges) or a hop count (got ${bad.map((entry) => `"${entry}"`).join(', ')})`,
    );
    return undefined;
  }
  return entries.join(',');
}

/** CORS origins are exact: a scheme, a host and maybe a port, nothing else (no `*`, no path). */
function readCorsOrigins(reader: EnvReader): string[] {
  const origins = (reader.optional('CORS_ORIGINS') ?? '').split(',').map((v) => v.trim()).filter(Boolean);
  const bad = origins.filter((origin) => {
    try {
      const url = new URL(origin);
      return !['http:', 'https:'].includes(url.protocol) || url.origin !== origin;
    } catch {
      return true;
    }
  });
  if (bad.length > 0) {
    reader.problems.push(`CORS_ORIGINS must be exact origins such as https://app.example.com or http://localhost:5173, comma-separated (got ${bad.map((o) => `"${o}"`).join(', ')})`);
  }
  return origins;
}

/** A path of the frontend: starts with `/`, no query or fragment (the gateway appends its own). */
function pagePath(reader: EnvReader, name: string, value: string): string {
  if (!/^\/[^?#\s]*$/.test(value)) reader.problems.push(`${name} must be a path starting with / without ? or # (got "${value}")`);
  return value;
}

const hostOf = (url: string): string | undefined => {
  try {
    return new URL(url).hostname;
  } catch {
    return undefined; // reported where the URL was read
  }
};

/**
 * The relying party of passkeys. The browser accepts an RP ID that is the page's host or a
 * parent domain of it, so WEBAUTHN_RP_ID may name a domain shared by the gateway and the
 * frontend (`example.com` for `id.example.com` and `app.example.com`). It is checked here
 * against those hosts: an RP ID no page of ours can use would make every ceremony fail.
 * Changing it later orphans every passkey made under the old one.
 */
function readWebauthn(reader: EnvReader, publicUrl: string, frontend: FrontendConfig): WebauthnConfig {
  const pages = [publicUrl, frontend.siteUrl, ...frontend.corsOrigins];
  const origins = [...new Set(pages.flatMap((url) => (hostOf(url) === undefined ? [] : [new URL(url).origin])))];
  const configured = reader.optional('WEBAUTHN_RP_ID');
  if (configured === undefined) return { rpId: hostOf(publicUrl) ?? 'localhost', origins };
  const rpId = configured.toLowerCase();
  const hosts = pages.map(hostOf).filter((host): host is string => host !== undefined);
  const fits = /^[a-z0-9-]+(\.[a-z0-9-]+)*$/.test(rpId) && hosts.some((host) => host === rpId || host.endsWith(`.${rpId}`));
  if (!fits) {
    reader.problems.push(
      `WEBAUTHN_RP_ID must be the host of PUBLIC_URL, SITE_URL or a CORS origin, or a parent domain of one (e.g. example.com for https://id.example.com), without scheme or port (got "${configured}")`,
    );
  }
  return { rpId, origins };
}

/**
 * GRAPHQL_TRUSTED_DOCUMENTS and GRAPHQL_TRUSTED_ONLY. The manifest is read here, so a missing
 * or malformed file stops the start with a line naming the variable, like any bad setting.
 */
function readTrustedDocuments(reader: EnvReader): TrustedDocumentsConfig | undefined {
  const file = reader.optional('GRAPHQL_TRUSTED_DOCUMENTS');
  const only = reader.bool('GRAPHQL_TRUSTED_ONLY', false);
  if (file === undefined) {
    if (only) reader.problems.push('GRAPHQL_TRUSTED_ONLY=true needs GRAPHQL_TRUSTED_DOCUMENTS: the manifest of trusted documents (client/generated/persisted-documents.json)');
    return undefined;
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    reader.problems.push(`GRAPHQL_TRUSTED_DOCUMENTS names a file that cannot be read: ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    return undefined;
  }
  let manifest: unknown;
  try {
    manifest = JSON.parse(text);
  } catch (error) {
    reader.problems.push(`GRAPHQL_TRUSTED_DOCUMENTS is not valid JSON: ${file} (${(error as Error).message.split('\n', 1)[0]})`);
    return undefined;
  }
  const entries = manifest !== null && typeof manifest === 'object' && !Array.isArray(manifest) ? Object.entries(manifest) : [];
  if (entries.length === 0 || entries.some(([, document]) => typeof document !== 'string' || document.trim() === '')) {
    reader.problems.push(`GRAPHQL_TRUSTED_DOCUMENTS must name a JSON object of document id to document text, as \`npm run codegen\` writes it: ${file}`);
    return undefined;
  }
  return { file, documents: new Map(entries as [string, string][]), only };
}

function readRedisUrl(reader: EnvReader): string | undefined {
  const value = reader.optional('REDIS_URL');
  if (value !== undefined && !/^rediss?:\/\//.test(value)) reader.problems.push(`REDIS_URL must start with redis:// or rediss:// (got "${value}")`);
  return value;
}

/** The JWT_SECRET that .env.example shows: public, so never a secret. */
export const EXAMPLE_JWT_SECRET = 'change-me-to-a-long-random-secret-of-32-chars-or-more';

/**
 * Settings that start but put something at risk, each a line naming its variable. Only real
 * risks: a lost session or a forgeable token, a cookie or address that can be stolen or
 * forged, secrets printed, an API surface open in production, a slower path taken on purpose.
 */
function riskySettings(reader: EnvReader, config: Config): string[] {
  const warnings: string[] = [];
  const production = config.env === 'production';
  const https = config.publicUrl.startsWith('https://');
  if (config.auth.jwt.algorithm === 'HS256' && reader.optional('JWT_SECRET') === undefined) {
    warnings.push(
      "JWT_SECRET is unset: this process made up a random one, so every token it signs (and every code it mails) dies when it restarts, and other processes refuse them; set one (openssl rand -base64 48) to keep sessions across restarts",
    );
  }
  if (config.auth.jwt.secret === EXAMPLE_JWT_SECRET) {
    warnings.push("JWT_SECRET is the example value of .env.example: anyone who has read it can sign tokens; set a random one (openssl rand -base64 48)");
  }
  if (https && !config.auth.cookieSecure) {
    warnings.push('COOKIE_SECURE=false while PUBLIC_URL is https: browsers will also send the auth cookies over plain http; set COOKIE_SECURE=true');
  }
  if (https && config.trustProxy === undefined) {
    warnings.push(
      "TRUST_PROXY is unset while PUBLIC_URL is https: if a proxy terminates TLS in front of the gateway, every client shares the proxy's address and its per-IP limits; name the proxy in TRUST_PROXY",
    );
  }
  if (production && config.graphiql) warnings.push('GRAPHIQL_ENABLED=true in production: GraphiQL is served at /graphiql');
  if (production && config.graphql.introspection) warnings.push('GRAPHQL_INTROSPECTION=true in production: anyone can read the whole schema');
  if (production && config.graphql.fieldSuggestions) warnings.push('GRAPHQL_FIELD_SUGGESTIONS=true in production: error messages suggest field names');
  if (production && config.mail.transport === 'console') warnings.push('MAIL_TRANSPORT=console in production: every mail, codes and reset links included, is printed to the log');
  if (config.database.authCache === false) {
    warnings.push('AUTH_CACHE=false: every authenticated request reads its session from the database (meant for a PostgreSQL pooler in transaction mode)');
  }
  return warnings;
}

/**
 * Reads the environment (`env`, normally process.env). `stdoutIsTty` picks the default log
 * format: pretty for a person at a terminal outside production, JSON for everything else.
 */
export function loadConfig(env: Env = process.env, stdoutIsTty = process.stdout.isTTY === true): Config {
  const reader = new EnvReader(env);
  const appEnv = reader.oneOf('NODE_ENV', ['development', 'test', 'production'] as const, 'development');
  const port = reader.int('PORT', 8000, 1, 65535);
  const publicUrl = reader.url('PUBLIC_URL', `http://localhost:${port}`, ['http:', 'https:']);
  const trustedDocuments = readTrustedDocuments(reader);
  const frontend: FrontendConfig = {
    corsOrigins: readCorsOrigins(reader),
    siteUrl: reader.url('SITE_URL', publicUrl, ['http:', 'https:']),
    resetPasswordPath: pagePath(reader, 'RESET_PASSWORD_PATH', reader.string('RESET_PASSWORD_PATH', '/reset-password')),
    verifyEmailPath: pagePath(reader, 'VERIFY_EMAIL_PATH', reader.string('VERIFY_EMAIL_PATH', '/verify-email')),
  };
  const config: Config = {
    env: appEnv,
    host: reader.string('HOST', '127.0.0.1'),
    port,
    logLevel: reader.oneOf('LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, appEnv === 'test' ? 'silent' : 'info'),
    logFormat: reader.oneOf('LOG_FORMAT', ['pretty', 'json'] as const, stdoutIsTty && appEnv !== 'production' ? 'pretty' : 'json'),
    publicUrl,
    database: readDatabase(reader),
    mail: readMail(reader, appEnv),
    migrateOnStart: reader.bool('MIGRATE_ON_START', true),
    shutdownGraceMs: reader.int('SHUTDOWN_GRACE_MS', 10_000, 0, 600_000),
    auth: readAuth(reader, appEnv, publicUrl),
    frontend,
    webauthn: readWebauthn(reader, publicUrl, frontend),
    webhooks: {
      allowPrivateUrls: reader.bool('WEBHOOK_ALLOW_PRIVATE_URLS', false),
      httpsOnly: appEnv === 'production',
      pollIntervalMs: reader.int('WEBHOOK_POLL_INTERVAL_MS', 1_000, 10, 3_600_000),
    },
    graphql: {
      introspection: reader.bool('GRAPHQL_INTROSPECTION', appEnv !== 'production'),
      fieldSuggestions: reader.bool('GRAPHQL_FIELD_SUGGESTIONS', appEnv !== 'production'),
      maxDepth: reader.int('GRAPHQL_MAX_DEPTH', 10, 1, 100),
      maxAliases: reader.int('GRAPHQL_MAX_ALIASES', 15, 0, 1000),
      maxTokens: reader.int('GRAPHQL_MAX_TOKENS', 2000, 10, 100_000),
      maxDirectives: reader.int('GRAPHQL_MAX_DIRECTIVES', 20, 0, 1000),
      maxCost: reader.int('GRAPHQL_MAX_COST', 5000, 1, 1_000_000),
    },
    trustedDocuments,
    redisUrl: readRedisUrl(reader),
    redisPrefix: reader.string('REDIS_PREFIX', 'hydracore:'),
    trustProxy: readTrustProxy(reader),
    limits: readLimits(reader),
    metrics: reader.bool('METRICS_ENABLED', true),
    // Under trusted-only every query GraphiQL would send is refused: the page is off.
    graphiql: reader.bool('GRAPHIQL_ENABLED', appEnv !== 'production') && trustedDocuments?.only !== true,
    docs: reader.bool('DOCS_ENABLED', true),
    warnings: [],
  };
  if (reader.problems.length > 0) throw new ConfigError(reader.problems);
  config.warnings = riskySettings(reader, config);
  return config;
}
