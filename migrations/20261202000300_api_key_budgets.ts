import type { Knex } from 'knex';

/** A tenant API key may carry its own request budget; null means the configured default. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('api_keys', (t) => {
    t.integer('requests_per_minute').nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('api_keys', (t) => {
    t.dropColumn('requests_per_minute');
  });
}
