import type { Knex } from 'knex';

/**
 * Audit events may carry details that are not a target (a membership change's old and new
 * role): a small JSON object, never a secret.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('audit_events', (t) => {
    t.text('details').nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('audit_events', (t) => {
    t.dropColumn('details');
  });
}
