import type { Knex } from 'knex';

/**
 * PostgreSQL tells every gateway process when something an authenticated read may have
 * cached changes (src/db/hot-path.ts): a statement that revokes a session, changes or deletes
 * a user, customer or API key, or changes memberships, tenants, instances or PIN policies
 * notifies the channel `hydracore_auth` (payload: the table's schema) when it commits. The
 * triggers fire for every writer (any gateway process, the CLI, an operator's own SQL), so no
 * code path can forget to invalidate. Inserts of sessions, users, customers, API keys, tenants
 * and instances notify nothing: a new row cannot make a cached answer wrong (absent rows are
 * never cached). Updates of `api_keys.last_used_at` notify nothing either.
 *
 * SQLite needs no trigger: its readers see every commit in `PRAGMA data_version`.
 */
export const AUTH_CHANNEL = 'hydracore_auth';

export const AUTH_TRIGGERS: ReadonlyArray<readonly [table: string, events: string]> = [
  ['users', 'update or delete or truncate'],
  ['sessions', 'update of revoked_at, subject_id, subject_kind or delete or truncate'],
  ['customers', 'update or delete or truncate'],
  ['api_keys', 'update of key_hash, revoked_at, tenant_id, requests_per_minute or delete or truncate'],
  ['tenant_members', 'insert or update or delete or truncate'],
  ['tenants', 'update or delete or truncate'],
  ['instances', 'update or delete or truncate'],
  ['pin_policies', 'insert or update or delete or truncate'],
];

export const authTriggerName = (table: string): string => `${table}_auth_changed`;

export async function up(knex: Knex): Promise<void> {
  if (knex.client.config.client !== 'pg') return;
  await knex.raw(`create or replace function hydracore_auth_changed() returns trigger language plpgsql as $$
    begin
      perform pg_notify('${AUTH_CHANNEL}', tg_table_schema);
      return null;
    end
  $$`);
  for (const [table, events] of AUTH_TRIGGERS) {
    await knex.raw(`create trigger ?? after ${events} on ?? for each statement execute function hydracore_auth_changed()`, [authTriggerName(table), table]);
  }
}

export async function down(knex: Knex): Promise<void> {
  if (knex.client.config.client !== 'pg') return;
  for (const [table] of AUTH_TRIGGERS) await knex.raw('drop trigger if exists ?? on ??', [authTriggerName(table), table]);
  await knex.raw('drop function if exists hydracore_auth_changed()');
}
