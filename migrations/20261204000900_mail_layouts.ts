import type { Knex } from 'knex';

/**
 * Mail a tenant puts its name on (issue 19): one layout per tenant (every field optional: an
 * unset one falls back to the platform default), the customer's language for its mail, and the
 * sender of each outbox message (null: MAIL_FROM), fixed when the mail is written so a layout
 * changed while the message waits does not change who it claims to come from.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('mail_layouts', (t) => {
    t.uuid('tenant_id').primary().references('id').inTable('tenants').onDelete('CASCADE');
    t.string('sender_name', 100).nullable();
    t.string('sender_address', 320).nullable();
    t.string('logo_url', 2048).nullable();
    t.string('primary_color', 7).nullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
  });
  await knex.schema.alterTable('customers', (t) => {
    t.string('locale', 16).notNullable().defaultTo('en');
  });
  await knex.schema.alterTable('mail_outbox', (t) => {
    t.string('from_address', 500).nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('mail_outbox', (t) => t.dropColumn('from_address'));
  await knex.schema.alterTable('customers', (t) => t.dropColumn('locale'));
  await knex.schema.dropTable('mail_layouts');
}
