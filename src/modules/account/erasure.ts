import type { Knex } from 'knex';
import { emailKey } from '../../lib/email-key';
import { sha256Hex } from '../../lib/secrets';

/** Values per `IN (...)`: well under both engines' limits on bound values. */
const IDS_PER_STATEMENT = 500;

export interface ErasedAccount {
  id: string;
  /** The account's address, as stored. */
  email: string;
}

/**
 * What a deleted account leaves outside its own rows (which the caller deletes, or their
 * foreign keys take): the personal data in the shared tables, removed in the caller's
 * transaction (docs/security.md, "Account self-service"). The audit log keeps its rows: they
 * say what happened to the account, by its id only.
 *
 * - Mail: every outbox message to the account's address, and to the address of a pending
 *   change (the code mailed there), sent or not, and the queued forgot-password and
 *   resend-verification requests for the address.
 * - Failed sign-ins are recorded against a digest of the address (`login.failed`, target kind
 *   `email`: unknown addresses must not be stored), which anyone can recompute from a guess.
 *   Those rows are re-keyed to the account's id (target kind `user`), like every other row
 *   about it, so the address cannot be confirmed from them.
 * - IP addresses: of every row the account made, and of the anonymous rows about it, its
 *   sessions or its passkeys (sign-ins, failed checks, logouts, refresh-token reuse, a cloned
 *   passkey: most of those IPs are the person's). A row that someone else identified made
 *   about the account (an owner's promotion, an API key's, the platform's) keeps that actor's
 *   IP: it is theirs, and the record of what they did.
 *
 * Call it after the last audit event of the deletion is recorded, so that one is cleaned too,
 * and before the sessions and passkeys are deleted: rows about them are found by their ids.
 */
export async function erasePersonalData(trx: Knex.Transaction, account: ErasedAccount): Promise<void> {
  const pending: Array<{ new_email: string }> = await trx('email_changes').where('user_id', account.id).select('new_email');
  const addresses = [account.email, ...pending.map((change) => change.new_email)];
  const keys = [...new Set(addresses.map(emailKey))];
  // The outbox holds each address as it was given. The stored forms match exactly, and
  // lower() catches other spellings of it (SQLite's lower() folds ASCII letters only).
  await trx('mail_outbox')
    .where((q) => q.whereIn('recipient', addresses).orWhereRaw(`lower(recipient) in (${keys.map(() => '?').join(', ')})`, keys))
    .delete();
  // Operator requests hold the lookup key (emailKey); customer logins are a tenant's customer's
  // and are resolved against that tenant's customers, not this account.
  await trx('mail_requests').whereIn('kind', ['password_reset', 'email_verification']).whereIn('email', keys).delete();

  await trx('audit_events')
    .where({ action: 'login.failed', target_kind: 'email', target_id: sha256Hex(emailKey(account.email)) })
    .update({ target_kind: 'user', target_id: account.id });

  await trx('audit_events').where('actor_id', account.id).whereNotNull('ip').update({ ip: null });
  const anonymous = () => trx('audit_events').where('actor_kind', 'anonymous').whereNotNull('ip');
  await anonymous()
    .where((q) => q.where('target_id', account.id).orWhere('details', 'like', `%"${account.id}"%`))
    .update({ ip: null });
  const sessions: string[] = await trx('sessions').where({ subject_kind: 'user', subject_id: account.id }).pluck('id');
  const passkeys: string[] = await trx('passkeys').where('user_id', account.id).pluck('id');
  for (const [kind, ids] of [['session', sessions], ['passkey', passkeys]] as const) {
    for (let start = 0; start < ids.length; start += IDS_PER_STATEMENT) {
      await anonymous().where('target_kind', kind).whereIn('target_id', ids.slice(start, start + IDS_PER_STATEMENT)).update({ ip: null });
    }
  }
}
