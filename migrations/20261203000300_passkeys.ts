import type { Knex } from 'knex';

/**
 * Passkeys (WebAuthn) of operators (issue 18, item 5), and the challenges of their ceremonies.
 *
 * A passkey row keeps what verifying an assertion needs (the credential id and COSE public key,
 * base64url) and what the WebAuthn spec asks a relying party to remember: the signature counter
 * (a counter that does not go up means a cloned authenticator), the transports, whether the
 * credential is synced (`device_type` multiDevice) and whether it is backed up. Never a secret:
 * a copy of the table lets nobody sign in.
 *
 * A challenge is single use and short-lived, bound to its ceremony (`purpose`) and, for a
 * registration, to the operator who asked for it. Both go with the account (ON DELETE CASCADE).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('passkeys', (t) => {
    t.uuid('id').primary();
    t.uuid('user_id').notNullable().references('id').inTable('users').onDelete('CASCADE');
    // Credential ids are at most 1,023 bytes (WebAuthn level 3): 1,364 base64url characters.
    t.string('credential_id', 1400).notNullable().unique();
    t.text('public_key').notNullable();
    // An unsigned 32-bit counter: beyond a PostgreSQL integer.
    t.bigInteger('counter').notNullable().defaultTo(0);
    t.string('transports', 200).notNullable().defaultTo('');
    t.string('device_type', 16).notNullable();
    t.boolean('backed_up').notNullable();
    t.string('name', 100).notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('last_used_at', { useTz: true }).nullable();
    t.index(['user_id']);
    t.check("?? in ('singleDevice', 'multiDevice')", ['device_type'], 'passkeys_device_type_valid');
    t.check('?? >= 0', ['counter'], 'passkeys_counter_non_negative');
  });

  await knex.schema.createTable('webauthn_challenges', (t) => {
    t.uuid('id').primary();
    t.string('challenge', 128).notNullable().unique();
    t.string('purpose', 16).notNullable();
    t.uuid('user_id').nullable().references('id').inTable('users').onDelete('CASCADE');
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.index(['expires_at']);
    t.index(['user_id']);
    t.check("?? in ('registration', 'login')", ['purpose'], 'webauthn_challenges_purpose_valid');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('webauthn_challenges');
  await knex.schema.dropTable('passkeys');
}
