import type { Knex } from 'knex';
import { Arg, Authorized, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import { Role } from '../../graphql/auth-checker';
import { requestContext, type GqlContext } from '../../graphql/context';
import { isPostgres } from '../../db/knex';
import { recordAudit } from '../../lib/audit';
import { DomainError } from '../../lib/errors';
import { User } from '../auth/auth.model';
import { MemberRole } from './member-role';
import { MemberInput, MemberRefInput } from './tenancy.inputs';
import { findAdministeredTenant } from './tenancy.resolver';
import { Membership } from './tenancy.types';

/** Where the caller stands in a tenant: the platform (the CLI, a platform admin) or a role. */
type Standing = 'platform' | MemberRole | undefined;

async function standingIn(ctx: GqlContext, trx: Knex.Transaction, tenantId: string): Promise<Standing> {
  const { principal } = ctx;
  if (principal.kind === 'system' || (principal.kind === 'operator' && principal.isAdmin)) return 'platform';
  if (principal.kind !== 'operator') return undefined;
  const row: { role: MemberRole } | undefined = await trx('tenant_members').where({ tenant_id: tenantId, user_id: principal.userId }).first('role');
  return row?.role;
}

/**
 * Membership changes of one tenant run one at a time: on PostgreSQL the tenant row is locked
 * for the transaction, so two owners demoting each other at once cannot leave it ownerless
 * (SQLite has one writer, and the gateway one connection to it, so its transactions are serial).
 */
async function lockTenant(trx: Knex.Transaction, tenantId: string): Promise<void> {
  if (isPostgres(trx as unknown as Knex)) await trx('tenants').where({ id: tenantId }).forUpdate().first('id');
}

/**
 * The membership rules (CONTRACT section 6): only an owner (or the platform) makes or removes
 * owners; an admin manages admins and members, never owners; plain members manage nothing;
 * nobody removes or demotes the last owner. API keys never get here (`@Authorized` excludes
 * them): a key manages neither keys nor people.
 */
async function assertMayChange(trx: Knex.Transaction, tenantId: string, actor: Standing, userId: string, oldRole: MemberRole | undefined, newRole: MemberRole | undefined): Promise<void> {
  if (actor === undefined || actor === MemberRole.member) throw new DomainError('TENANT_NOT_FOUND');
  const touchesOwner = oldRole === MemberRole.owner || newRole === MemberRole.owner;
  if (touchesOwner && actor !== 'platform' && actor !== MemberRole.owner) throw new DomainError('FORBIDDEN');
  if (oldRole === MemberRole.owner && newRole !== MemberRole.owner) {
    const other = await trx('tenant_members').where({ tenant_id: tenantId, role: MemberRole.owner }).whereNot({ user_id: userId }).first('user_id');
    if (!other) throw new DomainError('LAST_OWNER');
  }
}

/**
 * Gives the operator `newRole` in the tenant, or takes them out (`undefined`), under the rules
 * above, with an audit event (actor, target, old and new role). Setting the role someone
 * already has changes nothing and records nothing.
 */
async function changeMembership(ctx: GqlContext, ref: MemberRefInput, newRole: MemberRole | undefined): Promise<User> {
  const tenant = await findAdministeredTenant(ctx, ref.tenantSlug);
  const user = await User.query(ctx.db).findOne({ email_lower: ref.email.toLowerCase() });
  if (!user) throw new DomainError(newRole === undefined ? 'MEMBER_NOT_FOUND' : 'USER_NOT_FOUND');
  await ctx.db.transaction(async (trx) => {
    await lockTenant(trx, tenant.id);
    const member = trx('tenant_members').where({ tenant_id: tenant.id, user_id: user.id });
    const current: { role: MemberRole } | undefined = await member.clone().first('role');
    if (current === undefined && newRole === undefined) throw new DomainError('MEMBER_NOT_FOUND');
    if (current?.role === newRole) return;
    await assertMayChange(trx, tenant.id, await standingIn(ctx, trx, tenant.id), user.id, current?.role, newRole);
    if (newRole === undefined) await member.clone().delete();
    else if (current) await member.clone().update({ role: newRole });
    else await trx('tenant_members').insert({ tenant_id: tenant.id, user_id: user.id, role: newRole, created_at: ctx.clock.now().toISOString() });
    await recordAudit(requestContext(ctx), trx, {
      tenantId: tenant.id,
      action: newRole === undefined ? 'member.removed' : 'member.changed',
      targetKind: 'user',
      targetId: user.id,
      details: { oldRole: current?.role ?? null, newRole: newRole ?? null },
    });
  });
  return user;
}

@Resolver()
export class MembersResolver {
  @Authorized([Role.VerifiedOperator, Role.ApiKey])
  @Query(() => [Membership], { description: "A tenant's members (its owners and admins, and the tenant's API keys, may list them)." })
  async members(@Arg('tenantSlug') tenantSlug: string, @Ctx() ctx: GqlContext): Promise<Membership[]> {
    const tenant = await findAdministeredTenant(ctx, tenantSlug);
    const rows: Array<{ user_id: string; email: string; role: MemberRole }> = await ctx
      .db('tenant_members')
      .join('users', 'users.id', 'tenant_members.user_id')
      .where('tenant_members.tenant_id', tenant.id)
      .orderBy('users.email_lower')
      .select('tenant_members.user_id', 'users.email', 'tenant_members.role');
    return rows.map((r) => ({ userId: r.user_id, email: r.email, role: r.role }));
  }

  @Authorized([Role.VerifiedOperator])
  @Mutation(() => Membership, { description: 'Adds an operator to a tenant or changes their role. Owners manage owners; admins manage admins and members; the last owner stays.' })
  async setMember(@Arg('input') input: MemberInput, @Ctx() ctx: GqlContext): Promise<Membership> {
    const user = await changeMembership(ctx, input, input.role);
    return { userId: user.id, email: user.email, role: input.role };
  }

  @Authorized([Role.VerifiedOperator])
  @Mutation(() => Boolean, { description: 'Takes an operator out of a tenant (the same rules as setMember).' })
  async removeMember(@Arg('input') input: MemberRefInput, @Ctx() ctx: GqlContext): Promise<boolean> {
    await changeMembership(ctx, input, undefined);
    return true;
  }
}
