import type { Knex } from 'knex';

/**
 * Outgoing webhooks (issue 19; docs/webhooks.md). `webhook_endpoints`: a tenant's receivers,
 * the signing secret sealed at rest (MFA_ENCRYPTION_KEY), and during a rotation the previous
 * secret with the moment it stops signing. `webhook_events`: the outbox, one row per event,
 * written in the transaction of the change it reports; its id is the `webhook-id` every
 * attempt carries. `webhook_deliveries`: one row per event and endpoint, with its retry state;
 * `next_attempt_at` is also the lease a sender takes (pushed forward when claimed).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('webhook_endpoints', (t) => {
    t.uuid('id').primary();
    t.uuid('tenant_id').notNullable().references('id').inTable('tenants').onDelete('CASCADE');
    t.string('url', 2048).notNullable();
    t.text('events').notNullable();
    t.string('description', 500).notNullable().defaultTo('');
    t.text('secret_sealed').notNullable();
    t.text('previous_secret_sealed').nullable();
    t.timestamp('previous_secret_expires_at', { useTz: true }).nullable();
    t.timestamp('disabled_at', { useTz: true }).nullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.index(['tenant_id']);
  });
  await knex.schema.createTable('webhook_events', (t) => {
    t.string('id', 64).primary();
    t.uuid('tenant_id').notNullable().references('id').inTable('tenants').onDelete('CASCADE');
    t.string('type', 64).notNullable();
    t.text('payload').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
  });
  await knex.schema.createTable('webhook_deliveries', (t) => {
    t.uuid('id').primary();
    t.string('event_id', 64).notNullable().references('id').inTable('webhook_events').onDelete('CASCADE');
    t.uuid('endpoint_id').notNullable().references('id').inTable('webhook_endpoints').onDelete('CASCADE');
    t.integer('attempts').notNullable().defaultTo(0);
    t.string('status', 16).notNullable();
    t.integer('response_code').nullable();
    t.string('response_excerpt', 200).nullable();
    t.timestamp('first_attempt_at', { useTz: true }).nullable();
    t.timestamp('last_attempt_at', { useTz: true }).nullable();
    t.timestamp('next_attempt_at', { useTz: true }).nullable();
    t.string('last_error', 500).nullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.index(['status', 'next_attempt_at']);
    t.index(['endpoint_id', 'created_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('webhook_deliveries');
  await knex.schema.dropTable('webhook_events');
  await knex.schema.dropTable('webhook_endpoints');
}
