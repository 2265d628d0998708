import { DomainError } from './errors';
import { NO_METRICS, type Metrics } from './metrics';
import type { LimitDecision, RateLimiter } from './rate-limit';

/**
 * Every abuse limit of the gateway, in one table: what it counts, per what, and its default.
 * A limit is a decision, not a request count (CONTRACT section 6): it is keyed by what is at
 * stake, checked where the decision is made (inside the operation, so GraphQL aliases count
 * one by one), and for credential checks reserved before the expensive check and refunded on
 * success, so N parallel guesses can never check more than the limit. docs/security.md and
 * .env.example list the same table.
 */
export const LIMITS = {
  loginFailuresPerAddress: {
    env: 'LOGIN_MAX_FAILURES',
    windowEnv: 'LOGIN_FAILURE_WINDOW_SECONDS',
    limit: 10,
    windowSeconds: 900,
    counts: 'failed password checks (login, /auth/token, PIN re-authentication) and second-factor codes (verifyMfa, otp, stepUp, TOTP confirm and disable) per address, known or not (CONTRACT: 10 in 15 minutes)',
  },
  loginFailuresPerIp: {
    env: 'LOGIN_FAILURES_PER_IP',
    windowEnv: 'LOGIN_FAILURES_PER_IP_WINDOW_SECONDS',
    limit: 30,
    windowSeconds: 300,
    counts: 'failed password, code and reset-link checks per client IP, across addresses (credential stuffing; Supabase Auth allows 30 sign-ins per 5 minutes per IP)',
  },
  mailRequestsPerIp: {
    env: 'MAIL_REQUESTS_PER_IP',
    windowEnv: 'MAIL_REQUEST_WINDOW_SECONDS',
    limit: 10,
    windowSeconds: 900,
    counts: 'forgot-password, resend-verification and customer-login requests per client IP and endpoint',
  },
  passkeyLoginsPerIp: {
    env: 'PASSKEY_LOGINS_PER_IP',
    windowEnv: 'PASSKEY_LOGINS_PER_IP_WINDOW_SECONDS',
    limit: 300,
    windowSeconds: 300,
    counts: 'passkey sign-ins started (each stores a challenge until it is used or expires) per client IP',
  },
  registrationsPerIp: {
    env: 'REGISTRATIONS_PER_IP',
    windowEnv: 'REGISTRATIONS_PER_IP_WINDOW_SECONDS',
    limit: 10,
    windowSeconds: 3600,
    counts: 'operator registrations (each hashes a password and mails a code) per client IP',
  },
  signupsPerIp: {
    env: 'SIGNUPS_PER_IP',
    windowEnv: 'SIGNUPS_PER_IP_WINDOW_SECONDS',
    limit: 5,
    windowSeconds: 3600,
    counts: 'new public signups (each holds a node slot while pending) per client IP',
  },
  signupsPerTenant: {
    env: 'SIGNUPS_PER_TENANT',
    windowEnv: 'SIGNUPS_PER_TENANT_WINDOW_SECONDS',
    limit: 1000,
    windowSeconds: 3600,
    counts: "new public signups per tenant (a cap on how fast any number of clients can fill a tenant's nodes)",
  },
  signupMailsPerAddress: {
    env: 'SIGNUP_MAILS_PER_ADDRESS',
    windowEnv: 'SIGNUP_MAILS_PER_ADDRESS_WINDOW_SECONDS',
    limit: 3,
    windowSeconds: 3600,
    counts: 'codes re-mailed by signing up again while pending, per tenant and address (beyond it: the same answer, no mail)',
  },
  pinChangesPerCaller: {
    env: 'PIN_CHANGES_PER_CALLER',
    windowEnv: 'PIN_CHANGES_PER_CALLER_WINDOW_SECONDS',
    limit: 600,
    windowSeconds: 3600,
    counts: 'PINs set or removed (each an argon2 hash) per caller: an operator, or an API key',
  },
  factorChangesPerAccount: {
    env: 'FACTOR_CHANGES_PER_ACCOUNT',
    windowEnv: 'FACTOR_CHANGES_PER_ACCOUNT_WINDOW_SECONDS',
    limit: 20,
    windowSeconds: 3600,
    counts: "changes to an operator's second factors (start TOTP enrolment, new recovery codes, turn TOTP off, start a passkey registration, remove a passkey) per account: most mail a notice through the shared outbox, whose queue other people's 10-minute codes wait in",
  },
  apiKeyRequests: {
    env: 'API_KEY_REQUESTS_PER_MINUTE',
    windowEnv: undefined,
    limit: 6000,
    windowSeconds: 60,
    counts: 'requests per API key (a key may carry its own budget, set when it is created)',
  },
  anonymousRequestsPerIp: {
    env: 'RATE_LIMIT_PER_IP',
    windowEnv: 'RATE_LIMIT_WINDOW_SECONDS',
    limit: 3000,
    windowSeconds: 60,
    counts: 'requests that carry no credentials, per client IP (a flood guard; never applied to requests with a token, cookie or API key)',
  },
} as const;

export type LimitName = keyof typeof LIMITS;
export interface LimitRule {
  limit: number;
  windowSeconds: number;
}
export type LimitRules = Record<LimitName, LimitRule>;

/** A counted use, to give back when the check it guarded succeeded. */
export interface Reservation {
  key: string;
  hit?: string;
}

/** The limits of one process, over the shared limiter (Redis when configured). */
export class Limits {
  constructor(
    private readonly limiter: RateLimiter,
    private readonly rules: LimitRules,
    private readonly metrics: Pick<Metrics, 'limitHit'> = NO_METRICS,
  ) {}

  /** Counts one use of `name` for `subject` and says whether it was within the limit. */
  async check(name: LimitName, subject: string, rule: LimitRule = this.rules[name]): Promise<LimitDecision> {
    const decision = await this.limiter.consume(`${name}:${subject}`, rule.limit, rule.windowSeconds);
    if (!decision.allowed) this.metrics.limitHit(name);
    return decision;
  }

  /** Counts one use, or throws `RATE_LIMITED` (429 with `Retry-After`) when over the limit. */
  async take(name: LimitName, subject: string, rule: LimitRule = this.rules[name]): Promise<Reservation> {
    const key = `${name}:${subject}`;
    const decision = await this.limiter.consume(key, rule.limit, rule.windowSeconds);
    if (!decision.allowed) {
      this.metrics.limitHit(name);
      throw new DomainError('RATE_LIMITED', { retryAfter: decision.retryAfterSeconds });
    }
    return { key, hit: decision.hit };
  }

  /** Takes several limits together: all or none (a refused one gives the others back). */
  async takeAll(...wanted: Array<[LimitName, string]>): Promise<Reservation[]> {
    const taken: Reservation[] = [];
    try {
      for (const [name, subject] of wanted) taken.push(await this.take(name, subject));
      return taken;
    } catch (error) {
      await this.refund(...taken);
      throw error;
    }
  }

  /** Gives reserved uses back (the guarded check succeeded: only failures are counted). */
  async refund(...reservations: Reservation[]): Promise<void> {
    for (const { key, hit } of reservations) if (hit !== undefined) await this.limiter.refund(key, hit);
  }
}
