import type { Knex } from 'knex';

/**
 * Every outbox message gets an expiry (the code's or link's own, or a long default) and a
 * new status `expired`: the sender retries until the expiry instead of parking a message as
 * `failed` after a fixed number of attempts. Messages waiting at migration time get a full
 * day; sent ones expire when they were sent (nothing reads it).
 *
 * PostgreSQL alters the table in place. SQLite cannot drop a CHECK constraint, so there the
 * table is rebuilt (new table, copy, drop, rename), which SQLite documents as the way.
 */
const LEGACY_PENDING_EXPIRY_MS = 24 * 3_600_000;
const STATUSES = ['pending', 'sent', 'failed', 'expired'];
const OLD_STATUSES = ['pending', 'sent', 'failed'];
const COLUMNS = ['id', 'recipient', 'subject', 'text_body', 'html_body', 'status', 'attempts', 'next_attempt_at', 'claimed_until', 'last_error', 'created_at', 'sent_at'];

const statusList = (statuses: string[]) => statuses.map((s) => `'${s}'`).join(', ');
const statusCheck = (statuses: string[]) => `?? in (${statusList(statuses)})`;

/** PostgreSQL: replace the status CHECK in place (knex's alterTable does not bind `??` in checks). */
async function replaceStatusCheckOnPostgres(knex: Knex, statuses: string[]): Promise<void> {
  await knex.raw(
    `alter table ?? drop constraint mail_outbox_status_valid, add constraint mail_outbox_status_valid check (status in (${statusList(statuses)}))`,
    ['mail_outbox'],
  );
}

function outboxColumns(t: Knex.CreateTableBuilder, statuses: string[], withExpiry: boolean): void {
  t.uuid('id').primary();
  t.string('recipient', 320).notNullable();
  t.string('subject', 500).notNullable();
  t.text('text_body').notNullable();
  t.text('html_body').nullable();
  t.string('status', 16).notNullable().defaultTo('pending');
  t.integer('attempts').notNullable().defaultTo(0);
  t.timestamp('next_attempt_at', { useTz: true }).notNullable();
  t.timestamp('claimed_until', { useTz: true }).nullable();
  t.text('last_error').nullable();
  t.timestamp('created_at', { useTz: true }).notNullable();
  t.timestamp('sent_at', { useTz: true }).nullable();
  if (withExpiry) t.timestamp('expires_at', { useTz: true }).notNullable();
  t.check(statusCheck(statuses), ['status'], 'mail_outbox_status_valid');
}

/** SQLite: rebuild mail_outbox with the given shape, copying the rows through `select`. */
async function rebuildOnSqlite(knex: Knex, statuses: string[], withExpiry: boolean, select: string, bindings: string[]): Promise<void> {
  await knex.schema.createTable('mail_outbox_next', (t) => outboxColumns(t, statuses, withExpiry));
  const columns = withExpiry ? [...COLUMNS, 'expires_at'] : COLUMNS;
  await knex.raw(`insert into mail_outbox_next (${columns.join(', ')}) ${select}`, bindings);
  await knex.schema.dropTable('mail_outbox');
  await knex.schema.renameTable('mail_outbox_next', 'mail_outbox');
  await knex.schema.alterTable('mail_outbox', (t) => {
    t.index(['status', 'next_attempt_at']);
    if (withExpiry) t.index(['status', 'created_at']);
  });
}

export async function up(knex: Knex): Promise<void> {
  const legacyExpiry = new Date(Date.now() + LEGACY_PENDING_EXPIRY_MS).toISOString();
  if (knex.client.config.client === 'pg') {
    await knex.schema.alterTable('mail_outbox', (t) => t.timestamp('expires_at', { useTz: true }).nullable());
    await knex('mail_outbox').whereIn('status', ['pending', 'failed']).update({ expires_at: legacyExpiry });
    await knex('mail_outbox').whereNull('expires_at').update({ expires_at: knex.raw('coalesce(sent_at, created_at)') });
    await knex.schema.alterTable('mail_outbox', (t) => {
      t.timestamp('expires_at', { useTz: true }).notNullable().alter();
      t.index(['status', 'created_at']);
    });
    await replaceStatusCheckOnPostgres(knex, STATUSES);
    return;
  }
  await rebuildOnSqlite(
    knex,
    STATUSES,
    true,
    `select ${COLUMNS.join(', ')}, case when status in ('pending', 'failed') then ? else coalesce(sent_at, created_at) end from mail_outbox`,
    [legacyExpiry],
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex('mail_outbox').where('status', 'expired').update({ status: 'failed' });
  if (knex.client.config.client === 'pg') {
    await replaceStatusCheckOnPostgres(knex, OLD_STATUSES);
    await knex.schema.alterTable('mail_outbox', (t) => {
      t.dropIndex(['status', 'created_at']);
      t.dropColumn('expires_at');
    });
    return;
  }
  await rebuildOnSqlite(knex, OLD_STATUSES, false, `select ${COLUMNS.join(', ')} from mail_outbox`, []);
}
