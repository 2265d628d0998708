import type { Knex } from 'knex';

/**
 * Operator accounts and the mechanisms customers reuse later: sessions (refresh-token
 * families), refresh tokens, one-time codes and password resets. Secrets are never stored:
 * tokens as SHA-256 digests, codes as keyed HMACs, passwords as argon2id hashes.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('users', (t) => {
    t.uuid('id').primary();
    t.string('email', 320).notNullable();
    // Lower-cased copy: unique and looked up case-insensitively on both engines.
    t.string('email_lower', 320).notNullable().unique();
    t.text('password_hash').notNullable();
    t.boolean('email_verified').notNullable().defaultTo(false);
    t.boolean('is_admin').notNullable().defaultTo(false);
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
  });

  await knex.schema.alterTable('tenant_members', (t) => {
    t.foreign('user_id').references('id').inTable('users').onDelete('CASCADE');
  });

  // A session is one login: the family of refresh tokens that rotate from it.
  await knex.schema.createTable('sessions', (t) => {
    t.uuid('id').primary();
    t.string('subject_kind', 16).notNullable();
    t.uuid('subject_id').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('revoked_at', { useTz: true }).nullable();
    t.string('revoked_reason', 32).nullable();
    t.index(['subject_kind', 'subject_id']);
    t.check("?? in ('user', 'customer')", ['subject_kind'], 'sessions_subject_kind_valid');
  });

  await knex.schema.createTable('refresh_tokens', (t) => {
    t.uuid('id').primary();
    t.uuid('session_id').notNullable().references('id').inTable('sessions').onDelete('CASCADE');
    t.uuid('parent_id').nullable();
    t.string('token_hash', 64).notNullable().unique();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.timestamp('rotated_at', { useTz: true }).nullable();
    t.index(['session_id']);
    t.index(['parent_id']);
  });

  await knex.schema.createTable('one_time_codes', (t) => {
    t.uuid('id').primary();
    t.string('purpose', 32).notNullable();
    // What the code is for: e.g. a user id, or a tenant and a lower-cased address.
    t.string('subject', 400).notNullable();
    t.string('code_hash', 64).notNullable();
    t.integer('attempts').notNullable().defaultTo(0);
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.timestamp('consumed_at', { useTz: true }).nullable();
    t.index(['purpose', 'subject', 'created_at']);
    t.check('?? >= 0', ['attempts'], 'one_time_codes_attempts_non_negative');
  });

  await knex.schema.createTable('password_resets', (t) => {
    t.uuid('id').primary();
    t.uuid('user_id').notNullable().references('id').inTable('users').onDelete('CASCADE');
    t.string('token_hash', 64).notNullable().unique();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.timestamp('used_at', { useTz: true }).nullable();
    t.index(['user_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('password_resets');
  await knex.schema.dropTable('one_time_codes');
  await knex.schema.dropTable('refresh_tokens');
  await knex.schema.dropTable('sessions');
  await knex.schema.alterTable('tenant_members', (t) => {
    t.dropForeign(['user_id']);
  });
  await knex.schema.dropTable('users');
}
