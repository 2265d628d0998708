import type { Knex } from 'knex';

/** Customers of a tenant (public signup, passwordless login) and the link to their site. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('customers', (t) => {
    t.uuid('id').primary();
    t.uuid('tenant_id').notNullable().references('id').inTable('tenants').onDelete('CASCADE');
    t.string('email', 320).notNullable();
    // Unique per tenant, case-insensitively (a lower-cased copy works the same on both engines).
    t.string('email_lower', 320).notNullable();
    t.string('company_name', 200).notNullable();
    t.uuid('plan_id').notNullable().references('id').inTable('plans');
    t.string('status', 16).notNullable().defaultTo('pending');
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
    t.timestamp('activated_at', { useTz: true }).nullable();
    t.unique(['tenant_id', 'email_lower']);
    t.index(['tenant_id', 'created_at']);
    t.check("?? in ('pending', 'active', 'suspended')", ['status'], 'customers_status_valid');
  });

  await knex.schema.alterTable('instances', (t) => {
    t.uuid('customer_id').nullable().references('id').inTable('customers').onDelete('SET NULL');
    t.index(['customer_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('instances', (t) => {
    t.dropIndex(['customer_id']);
    t.dropForeign(['customer_id']);
    t.dropColumn('customer_id');
  });
  await knex.schema.dropTable('customers');
}
