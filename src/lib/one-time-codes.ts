import type { Knex } from 'knex';
import type { Clock } from './clock';
import { newId } from './ids';
import { NO_METRICS, type Metrics } from './metrics';
import { hmacHex, randomDigits, safeEqualHex } from './secrets';

export type CodePurpose = 'verify_email' | 'customer_login' | 'signup_verify' | 'change_email';

export const CODE_TTL_MS = 10 * 60_000;
export const CODE_MAX_ATTEMPTS = 5;
/** At most one new code per subject per minute; extra requests are answered but send nothing. */
export const CODE_RESEND_INTERVAL_MS = 60_000;

const iso = (date: Date) => date.toISOString();

/** A new code and when it stops working (the mail that carries it expires with it). */
export interface IssuedCode {
  code: string;
  expiresAt: Date;
}

/**
 * Six-digit one-time codes (CONTRACT section 3): CSPRNG digits, stored as a keyed hash,
 * valid 10 minutes, single use, burned after 5 wrong tries. Every try is counted by a
 * conditional UPDATE in the database before the code is compared, so parallel requests
 * (or aliases in one GraphQL operation) can never get more than 5 guesses.
 */
export class OneTimeCodes {
  constructor(
    private readonly key: Buffer,
    private readonly clock: Clock,
    private readonly metrics: Pick<Metrics, 'codeSent' | 'codeFailed'> = NO_METRICS,
  ) {}

  /**
   * Issues a new code and invalidates the older ones, unless one was issued in the last
   * minute (then returns undefined and the caller sends nothing). Call inside the
   * transaction that also queues the mail.
   */
  async issue(trx: Knex.Transaction, purpose: CodePurpose, subject: string): Promise<IssuedCode | undefined> {
    const now = this.clock.now();
    const recent = await trx('one_time_codes')
      .where({ purpose, subject })
      .andWhere('created_at', '>', iso(new Date(now.getTime() - CODE_RESEND_INTERVAL_MS)))
      .first('id');
    if (recent) return undefined;
    await trx('one_time_codes').where({ purpose, subject }).whereNull('consumed_at').update({ consumed_at: iso(now) });
    const code = randomDigits(6);
    const expiresAt = new Date(now.getTime() + CODE_TTL_MS);
    await trx('one_time_codes').insert({
      id: newId(),
      purpose,
      subject,
      code_hash: this.digest(purpose, subject, code),
      attempts: 0,
      created_at: iso(now),
      expires_at: iso(expiresAt),
    });
    this.metrics.codeSent(purpose);
    return { code, expiresAt };
  }

  /** Consumes the code if it is the subject's live code; every call counts one try. */
  async verify(db: Knex, purpose: CodePurpose, subject: string, code: string): Promise<boolean> {
    const valid = await this.consume(db, purpose, subject, code);
    if (!valid) this.metrics.codeFailed(purpose);
    return valid;
  }

  private async consume(db: Knex, purpose: CodePurpose, subject: string, code: string): Promise<boolean> {
    const now = iso(this.clock.now());
    const live = await db('one_time_codes')
      .where({ purpose, subject })
      .whereNull('consumed_at')
      .andWhere('expires_at', '>', now)
      .orderBy('created_at', 'desc')
      .first('id', 'code_hash');
    if (!live) return false;
    const counted = await db('one_time_codes')
      .where({ id: live.id })
      .whereNull('consumed_at')
      .andWhere('attempts', '<', CODE_MAX_ATTEMPTS)
      .increment('attempts', 1);
    if (counted !== 1) return false; // burned (5 tries) or consumed meanwhile
    if (!safeEqualHex(live.code_hash, this.digest(purpose, subject, code))) return false;
    const consumed = await db('one_time_codes').where({ id: live.id }).whereNull('consumed_at').update({ consumed_at: now });
    return consumed === 1;
  }

  /** Ends the subject's live codes of this purpose (what they would prove no longer holds). Call inside `trx`. */
  async invalidate(trx: Knex | Knex.Transaction, purpose: CodePurpose, subject: string): Promise<void> {
    await trx('one_time_codes').where({ purpose, subject }).whereNull('consumed_at').update({ consumed_at: iso(this.clock.now()) });
  }

  /**
   * Deletes every code, live or used, of a subject and of the subjects derived from it
   * (`subject:...`, e.g. an address change of `user:<id>`): the account they belonged to is gone.
   */
  async deleteFor(trx: Knex | Knex.Transaction, subject: string): Promise<void> {
    const derived = `${subject.replace(/[\\%_]/g, '\\$&')}:%`;
    await trx('one_time_codes').where('subject', subject).orWhereRaw("subject like ? escape '\\'", [derived]).delete();
  }

  /** The purpose and subject are part of the MAC: a code is worthless anywhere else. */
  private digest(purpose: string, subject: string, code: string): string {
    return hmacHex(this.key, `${purpose}\0${subject}\0${code}`);
  }
}
