import type { Knex } from 'knex';

/**
 * Requests for mail that depends on whether an account exists (forgot-password,
 * resend-verification, customer login). The request path only inserts a row here, the same
 * for known and unknown addresses, so its timing tells nothing; a worker resolves each row
 * later (code or token and outbox mail in one transaction) and deletes it. `claimed_until`
 * keeps two workers from resolving one request at once; it expires if a worker dies.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('mail_requests', (t) => {
    t.uuid('id').primary();
    t.string('kind', 32).notNullable();
    t.string('email', 320).notNullable();
    t.string('tenant_slug', 100).nullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('claimed_until', { useTz: true }).nullable();
    t.integer('attempts').notNullable().defaultTo(0);
    t.index(['created_at']);
    t.check("?? in ('password_reset', 'email_verification', 'customer_login')", ['kind'], 'mail_requests_kind_valid');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('mail_requests');
}
