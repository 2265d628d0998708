import type { Knex } from 'knex';
import { isPostgres } from './knex';

/**
 * Every read and write of `tenant_members` (who belongs to which tenant, in which role) is
 * written here, so tenant access is decided from one source. Roles are the strings `owner`,
 * `admin`, `member` (modules/tenancy/member-role.ts).
 */
export type Db = Knex | Knex.Transaction;

/**
 * An operator's tenants with their role, by slug (`me.tenants`). The hot path prepares this
 * statement (src/db/hot-path.ts: `$1` is the user id) and keeps its answer while the database
 * has not changed it.
 */
export const MEMBERSHIPS_OF_USER_SQL = `select t.id, t.slug, t.name, m.role
    from tenants t join tenant_members m on m.tenant_id = t.id
    where m.user_id = $1 order by t.slug`;

/** The role of a user in a tenant, or undefined when they are not a member. */
export async function roleIn<R extends string = string>(db: Db, tenantId: string, userId: string): Promise<R | undefined> {
  const row: { role: R } | undefined = await db('tenant_members').where({ tenant_id: tenantId, user_id: userId }).first('role');
  return row?.role;
}

/** The tenants where a user holds one of these roles. */
export async function tenantsWhereRole(db: Db, userId: string, roles: readonly string[]): Promise<string[]> {
  const rows: Array<{ tenant_id: string }> = await db('tenant_members').where({ user_id: userId }).whereIn('role', roles).select('tenant_id');
  return rows.map((r) => r.tenant_id);
}

/** Whether someone other than `userId` holds `role` in the tenant. */
export async function someoneElseHolds(db: Db, tenantId: string, role: string, userId: string): Promise<boolean> {
  return (await db('tenant_members').where({ tenant_id: tenantId, role }).whereNot({ user_id: userId }).first('user_id')) !== undefined;
}

/**
 * Membership changes of one tenant run one at a time: on PostgreSQL the tenant row is locked
 * for the transaction, so two owners demoting each other (or leaving) at once cannot leave it
 * ownerless (SQLite has one writer, and the gateway one connection to it, so its transactions
 * are serial).
 */
export async function lockTenant(trx: Knex.Transaction, tenantId: string): Promise<void> {
  if (isPostgres(trx as unknown as Knex)) await trx('tenants').where({ id: tenantId }).forUpdate().first('id');
}

/**
 * Every membership of a user, decided under locks (their account is being deleted): no
 * membership of theirs can be added, or change role, until the transaction ends. On PostgreSQL
 * the user's row is locked first (`FOR UPDATE`): adding a membership checks its foreign key
 * with a key-share lock on that row, so a promotion that would add them to another tenant
 * waits, and then fails on the deleted row. Then every tenant they belong to, whatever the
 * role, is locked (`lockTenant`, in id order so that two such transactions cannot deadlock),
 * which is what every membership change of a tenant takes first; the memberships are read
 * again under those locks. An admin being promoted to owner while their account is deleted
 * is decided one after the other: reading only the tenants owned before locking (as this did
 * once) let a concurrent promotion, then the other owner stepping down, leave a tenant with
 * no owner. (SQLite has one writer, and the gateway one connection to it: its transactions are
 * serial.)
 */
export async function lockMembershipsOf(trx: Knex.Transaction, userId: string): Promise<Array<{ tenant_id: string; role: string }>> {
  if (isPostgres(trx as unknown as Knex)) await trx('users').where({ id: userId }).forUpdate().first('id');
  for (const { tenant_id: tenantId } of await membershipsOfUser(trx, userId)) await lockTenant(trx, tenantId);
  return membershipsOfUser(trx, userId);
}

/** Of these memberships (decided under `lockMembershipsOf`), the tenants where the user is the only owner. */
export async function tenantsOwnedOnlyBy(trx: Knex.Transaction, userId: string, memberships: ReadonlyArray<{ tenant_id: string; role: string }>): Promise<string[]> {
  const alone: string[] = [];
  for (const { tenant_id: tenantId, role } of memberships) {
    if (role === 'owner' && !(await someoneElseHolds(trx, tenantId, 'owner', userId))) alone.push(tenantId);
  }
  return alone;
}

/** Every membership of a user: the tenant and the role. */
export async function membershipsOfUser(db: Db, userId: string): Promise<Array<{ tenant_id: string; role: string }>> {
  return db('tenant_members').where({ user_id: userId }).orderBy('tenant_id').select('tenant_id', 'role');
}

/** Takes the user out of every tenant (their account is being deleted). */
export async function deleteMemberships(db: Db, userId: string): Promise<void> {
  await db('tenant_members').where({ user_id: userId }).delete();
}

/** Gives the user `role` in the tenant (joining it if they were not a member). */
export async function putMember(db: Db, tenantId: string, userId: string, role: string, now: Date, isMember: boolean): Promise<void> {
  if (isMember) await db('tenant_members').where({ tenant_id: tenantId, user_id: userId }).update({ role });
  else await db('tenant_members').insert({ tenant_id: tenantId, user_id: userId, role, created_at: now.toISOString() });
}

/** Takes the user out of the tenant. */
export async function deleteMember(db: Db, tenantId: string, userId: string): Promise<void> {
  await db('tenant_members').where({ tenant_id: tenantId, user_id: userId }).delete();
}

/** A tenant's members with their address, by address. */
export async function membersOf<R extends string = string>(db: Db, tenantId: string): Promise<Array<{ user_id: string; email: string; role: R }>> {
  return db('tenant_members')
    .join('users', 'users.id', 'tenant_members.user_id')
    .where('tenant_members.tenant_id', tenantId)
    .orderBy('users.email_lower')
    .select('tenant_members.user_id', 'users.email', 'tenant_members.role');
}
