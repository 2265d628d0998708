import type { Knex } from 'knex';

/** Expired pending signups are found by status and age (the sweeper and placement look them up). */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('customers', (t) => {
    t.index(['status', 'created_at'], 'customers_status_created_at');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('customers', (t) => {
    t.dropIndex(['status', 'created_at'], 'customers_status_created_at');
  });
}
