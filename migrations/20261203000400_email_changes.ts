import type { Knex } from 'knex';

/**
 * An operator's pending change of address (`changeEmail`, then `confirmEmailChange` with the
 * code mailed to the new address): at most one per account, replaced by a newer request, gone
 * with the account (ON DELETE CASCADE). `created_at` paces requests (one a minute per account);
 * the request stops being confirmable when its code expires (`expires_at`).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('email_changes', (t) => {
    t.uuid('user_id').primary().references('id').inTable('users').onDelete('CASCADE');
    t.string('new_email', 320).notNullable();
    t.string('new_email_lower', 320).notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('expires_at', { useTz: true }).notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('email_changes');
}
