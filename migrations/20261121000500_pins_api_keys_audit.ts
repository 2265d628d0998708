import type { Knex } from 'knex';

/** Tenant API keys, PINs with their lockout, per-instance PIN policies and sessions, and audit events. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('api_keys', (t) => {
    t.uuid('id').primary();
    t.uuid('tenant_id').notNullable().references('id').inTable('tenants').onDelete('CASCADE');
    t.string('name', 100).notNullable();
    // Shown in lists so a key can be recognised; the secret part is never stored.
    t.string('prefix', 32).notNullable().unique();
    t.string('key_hash', 64).notNullable().unique();
    t.uuid('created_by').nullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('last_used_at', { useTz: true }).nullable();
    t.timestamp('revoked_at', { useTz: true }).nullable();
    t.index(['tenant_id']);
  });

  await knex.schema.createTable('pins', (t) => {
    t.uuid('id').primary();
    t.string('subject_kind', 16).notNullable();
    t.uuid('subject_id').notNullable();
    t.text('pin_hash').notNullable();
    t.integer('failed_attempts').notNullable().defaultTo(0);
    t.timestamp('locked_until', { useTz: true }).nullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
    t.unique(['subject_kind', 'subject_id']);
    t.check("?? in ('user', 'customer')", ['subject_kind'], 'pins_subject_kind_valid');
    t.check('?? >= 0', ['failed_attempts'], 'pins_failed_attempts_non_negative');
  });

  await knex.schema.createTable('pin_policies', (t) => {
    t.uuid('instance_id').primary().references('id').inTable('instances').onDelete('CASCADE');
    t.string('pin_applies_to', 16).notNullable().defaultTo('all');
    t.text('pin_required_skills').notNullable().defaultTo('[]');
    t.integer('pin_session_ttl_minutes').notNullable().defaultTo(30);
    t.timestamp('updated_at', { useTz: true }).notNullable();
    t.check("?? in ('all', 'owner', 'customer')", ['pin_applies_to'], 'pin_policies_applies_to_valid');
  });

  await knex.schema.createTable('pin_sessions', (t) => {
    t.uuid('id').primary();
    t.uuid('instance_id').notNullable().references('id').inTable('instances').onDelete('CASCADE');
    t.string('subject_kind', 16).notNullable();
    t.uuid('subject_id').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.index(['instance_id', 'subject_kind', 'subject_id', 'created_at']);
  });

  await knex.schema.createTable('audit_events', (t) => {
    t.uuid('id').primary();
    t.uuid('tenant_id').nullable().references('id').inTable('tenants').onDelete('CASCADE');
    t.string('actor_kind', 16).notNullable();
    t.string('actor_id', 64).nullable();
    t.string('action', 64).notNullable();
    t.string('target_kind', 32).nullable();
    t.string('target_id', 64).nullable();
    t.string('ip', 64).nullable();
    t.string('request_id', 64).nullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.index(['tenant_id', 'created_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['audit_events', 'pin_sessions', 'pin_policies', 'pins', 'api_keys']) await knex.schema.dropTable(table);
}
