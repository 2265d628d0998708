import type { Knex } from 'knex';
import { Arg, Authorized, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import { Role } from '../../graphql/auth-checker';
import { requestContext, type GqlContext } from '../../graphql/context';
import { deleteMember, lockTenant, membersOf, putMember, roleIn, someoneElseHolds } from '../../db/memberships';
import { standingIn, type Standing } from '../../db/tenant-scope';
import { recordAudit } from '../../lib/audit';
import { emailKey } from '../../lib/email-key';
import { DomainError } from '../../lib/errors';
import { tenantToAdminister } from '../access/reach';
import { User } from '../auth/auth.model';
import { MemberRole } from './member-role';
import { MemberInput, MemberRefInput } from './tenancy.inputs';
import { Membership } from './tenancy.types';
import { RequiresStepUp } from '../access/step-up';
import { emitEvent } from '../webhooks/events';

/**
 * The membership rules (CONTRACT section 6): only an owner (or the platform) makes or removes
 * owners; an admin manages admins and members, never owners; plain members manage nothing;
 * nobody removes or demotes the last owner. API keys never get here (`@Authorized` excludes
 * them): a key manages neither keys nor people.
 */
async function assertMayChange(trx: Knex.Transaction, tenantId: string, actor: Standing, userId: string, oldRole: MemberRole | undefined, newRole: MemberRole | undefined): Promise<void> {
  if (actor === 'none') throw new DomainError('TENANT_NOT_FOUND');
  if (actor === 'member' || actor === 'key') throw new DomainError('FORBIDDEN');
  const touchesOwner = oldRole === MemberRole.owner || newRole === MemberRole.owner;
  if (touchesOwner && actor !== 'platform' && actor !== MemberRole.owner) throw new DomainError('FORBIDDEN');
  if (oldRole === MemberRole.owner && newRole !== MemberRole.owner) {
    if (!(await someoneElseHolds(trx, tenantId, MemberRole.owner, userId))) throw new DomainError('LAST_OWNER');
  }
}

/**
 * Gives the operator `newRole` in the tenant, or takes them out (`undefined`), under the rules
 * above, with an audit event (actor, target, old and new role). Setting the role someone
 * already has changes nothing and records nothing.
 */
async function changeMembership(ctx: GqlContext, ref: MemberRefInput, newRole: MemberRole | undefined): Promise<User> {
  const tenant = await tenantToAdminister(ctx, ref.tenantSlug);
  const user = await User.query(ctx.db).findOne({ email_lower: emailKey(ref.email) });
  if (!user) throw new DomainError(newRole === undefined ? 'MEMBER_NOT_FOUND' : 'USER_NOT_FOUND');
  await ctx.db.transaction(async (trx) => {
    await lockTenant(trx, tenant.id);
    const current = await roleIn<MemberRole>(trx, tenant.id, user.id);
    if (current === undefined && newRole === undefined) throw new DomainError('MEMBER_NOT_FOUND');
    if (current === newRole) return;
    await assertMayChange(trx, tenant.id, await standingIn(trx, ctx.principal, tenant.id), user.id, current, newRole);
    if (newRole === undefined) await deleteMember(trx, tenant.id, user.id);
    else await putMember(trx, tenant.id, user.id, newRole, ctx.clock.now(), current !== undefined);
    await recordAudit(requestContext(ctx), trx, {
      tenantId: tenant.id,
      action: newRole === undefined ? 'member.removed' : 'member.changed',
      targetKind: 'user',
      targetId: user.id,
      details: { oldRole: current ?? null, newRole: newRole ?? null },
    });
    // An operator's id and roles, not their email: operators are not the tenant's customers.
    await emitEvent(trx, ctx.clock, tenant.id, 'member.changed', { userId: user.id, oldRole: current ?? null, newRole: newRole ?? null });
  });
  return user;
}

@Resolver()
export class MembersResolver {
  @Authorized([Role.VerifiedOperator, Role.ApiKey])
  @Query(() => [Membership], { description: "A tenant's members (its owners and admins, and the tenant's API keys, may list them)." })
  async members(@Arg('tenantSlug') tenantSlug: string, @Ctx() ctx: GqlContext): Promise<Membership[]> {
    const tenant = await tenantToAdminister(ctx, tenantSlug);
    const rows = await membersOf<MemberRole>(ctx.db, tenant.id);
    return rows.map((r) => ({ userId: r.user_id, email: r.email, role: r.role }));
  }

  @Authorized([Role.VerifiedOperator])
  @Mutation(() => Membership, { description: 'Adds an operator to a tenant or changes their role. Owners manage owners; admins manage admins and members; the last owner stays.' })
  @RequiresStepUp()
  async setMember(@Arg('input') input: MemberInput, @Ctx() ctx: GqlContext): Promise<Membership> {
    const user = await changeMembership(ctx, input, input.role);
    return { userId: user.id, email: user.email, role: input.role };
  }

  @Authorized([Role.VerifiedOperator])
  @Mutation(() => Boolean, { description: 'Takes an operator out of a tenant (the same rules as setMember).' })
  @RequiresStepUp()
  async removeMember(@Arg('input') input: MemberRefInput, @Ctx() ctx: GqlContext): Promise<boolean> {
    await changeMembership(ctx, input, undefined);
    return true;
  }
}
