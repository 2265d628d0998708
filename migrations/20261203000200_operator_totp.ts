import type { Knex } from 'knex';

/**
 * Operators' second factor (issue 18): a TOTP authenticator, its recovery codes, and the
 * short-lived challenges between a correct password and the second factor (`mfaToken`).
 * Everything belongs to its user and goes with it (ON DELETE CASCADE: deleting an account
 * removes its factors; both engines enforce foreign keys, SQLite with `foreign_keys = ON`).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('operator_totp', (t) => {
    t.uuid('user_id').primary().references('id').inTable('users').onDelete('CASCADE');
    // The base32 secret, sealed with AES-256-GCM under MFA_ENCRYPTION_KEY (never in clear).
    t.text('secret_sealed').notNullable();
    // Null while the enrollment waits for its first code; set when confirmed (TOTP is on).
    t.timestamp('enabled_at', { useTz: true }).nullable();
    // The last accepted time step: a code is accepted once, and only for a later step.
    t.integer('last_used_step').nullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
  });

  await knex.schema.createTable('operator_recovery_codes', (t) => {
    t.uuid('id').primary();
    t.uuid('user_id').notNullable().references('id').inTable('users').onDelete('CASCADE');
    // HMAC-SHA-256 of the normalised code under a key derived from MFA_ENCRYPTION_KEY.
    t.string('code_hash', 64).notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('used_at', { useTz: true }).nullable();
    t.unique(['user_id', 'code_hash']);
  });

  await knex.schema.createTable('mfa_challenges', (t) => {
    t.uuid('id').primary();
    t.uuid('user_id').notNullable().references('id').inTable('users').onDelete('CASCADE');
    // SHA-256 of the opaque mfaToken (256 bits): a copy of the table cannot answer a challenge.
    t.string('token_hash', 64).notNullable().unique();
    // What the first step proved (space-separated amr), carried into the session it ends in.
    t.string('amr', 64).notNullable();
    t.integer('attempts').notNullable().defaultTo(0);
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.timestamp('used_at', { useTz: true }).nullable();
    t.index(['user_id']);
    t.check('?? >= 0', ['attempts'], 'mfa_challenges_attempts_non_negative');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('mfa_challenges');
  await knex.schema.dropTable('operator_recovery_codes');
  await knex.schema.dropTable('operator_totp');
}
