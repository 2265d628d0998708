import { Arg, Authorized, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import { Role } from '../../graphql/auth-checker';
import { requestContext, type GqlContext } from '../../graphql/context';
import { recordAudit } from '../../lib/audit';
import { DomainError } from '../../lib/errors';
import { newId } from '../../lib/ids';
import { assertInstanceReach, customerToAdminister, instanceInReach } from '../access/reach';
import type { Instance } from '../tenancy/tenancy.model';
import { checkOwnPassword } from '../auth/credential-checks';
import { ConfirmPinInput, PinAppliesTo, PinPolicyPatchInput, RemoveMyPinInput, SetMyPinInput, SetPinInput } from './pin.inputs';
import { Pin, PIN_LOCK_MS, PIN_MAX_FAILURES, PinPolicy, type PinSubjectKind } from './pin.model';
import { PinConfirmation, PinPolicyType, PinRequirement, PinStatus } from './pin.types';
import { RequiresStepUp } from '../access/step-up';
import { emitEvent } from '../webhooks/events';

const DEFAULT_POLICY = { pinAppliesTo: PinAppliesTo.all, pinRequiredSkills: [] as string[], pinSessionTtlMinutes: 30 };

type Subject = { kind: PinSubjectKind; id: string };
const iso = (date: Date) => date.toISOString();

/** The PIN owner behind the caller: a customer, or an operator's own PIN. */
function callerSubject(ctx: GqlContext): Subject {
  const { principal } = ctx;
  if (principal.kind === 'customer') return { kind: 'customer', id: principal.customerId };
  if (principal.kind === 'operator') return { kind: 'user', id: principal.userId };
  throw new DomainError('FORBIDDEN');
}

async function findPin(ctx: GqlContext, subject: Subject): Promise<Pin | undefined> {
  return Pin.query(ctx.db).findOne({ subject_kind: subject.kind, subject_id: subject.id });
}

function statusOf(pin: Pin | undefined, now: Date): PinStatus {
  const locked = pin?.locked_until !== null && pin?.locked_until !== undefined && pin.locked_until > now;
  return {
    createdAt: pin?.created_at ?? null,
    hasPin: pin !== undefined,
    isActive: pin !== undefined && !locked,
    isLocked: locked,
    lockedUntil: locked ? (pin?.locked_until ?? null) : null,
  };
}

async function policyOf(ctx: GqlContext, instanceId: string): Promise<PinPolicyType> {
  const row = await PinPolicy.query(ctx.db).findById(instanceId);
  return row
    ? { instanceId, pinAppliesTo: row.pin_applies_to as PinAppliesTo, pinRequiredSkills: row.pin_required_skills, pinSessionTtlMinutes: row.pin_session_ttl_minutes }
    : { instanceId, ...DEFAULT_POLICY };
}

/** Customers are the `customer` side; operators (and API keys) act for the tenant, the `owner` side. */
function policyRequires(policy: PinPolicyType, ctx: GqlContext, skill: string): boolean {
  if (!policy.pinRequiredSkills.includes(skill)) return false;
  if (policy.pinAppliesTo === PinAppliesTo.all) return true;
  return (ctx.principal.kind === 'customer') === (policy.pinAppliesTo === PinAppliesTo.customer);
}

/** The caller's live PIN session on the instance, judged by the policy's TTL now (a TTL change applies at once). */
async function liveSessionExpiry(ctx: GqlContext, instance: Instance, subject: Subject, ttlMinutes: number): Promise<Date | null> {
  const now = ctx.clock.now();
  const since = new Date(now.getTime() - ttlMinutes * 60_000);
  const row = await ctx.db('pin_sessions')
    .where({ instance_id: instance.id, subject_kind: subject.kind, subject_id: subject.id })
    .andWhere('created_at', '>', iso(since))
    .orderBy('created_at', 'desc')
    .first('created_at');
  return row ? new Date(new Date(row.created_at).getTime() + ttlMinutes * 60_000) : null;
}

/**
 * Takes one try at a PIN, atomically: an expired lock is cleared, then the failure counter is
 * raised only while it is below 5 and the PIN is not locked. However many guesses arrive in
 * parallel, at most 5 are ever compared before the lock.
 */
async function reserveTry(ctx: GqlContext, pin: Pin, now: Date): Promise<boolean> {
  await ctx.db('pins').where({ id: pin.id }).whereNotNull('locked_until').andWhere('locked_until', '<=', iso(now)).update({ failed_attempts: 0, locked_until: null });
  const reserved = await ctx.db('pins')
    .where({ id: pin.id })
    .whereNull('locked_until')
    .andWhere('failed_attempts', '<', PIN_MAX_FAILURES)
    .increment('failed_attempts', 1);
  return reserved === 1;
}

/** Who is changing PINs, for their budget: the operator or the API key (the CLI has none). */
async function limitPinChanges(ctx: GqlContext): Promise<void> {
  const { principal } = ctx;
  if (principal.kind === 'operator') await ctx.limits.take('pinChangesPerCaller', `user:${principal.userId}`);
  else if (principal.kind === 'apiKey') await ctx.limits.take('pinChangesPerCaller', `key:${principal.keyId}`);
}

async function setPin(ctx: GqlContext, subject: Subject, pin: string, tenantId: string | null): Promise<PinStatus> {
  await limitPinChanges(ctx);
  const hash = await ctx.passwords.hash(pin);
  const now = ctx.clock.now();
  await ctx.db.transaction(async (trx) => {
    const updated = await trx('pins')
      .where({ subject_kind: subject.kind, subject_id: subject.id })
      .update({ pin_hash: hash, failed_attempts: 0, locked_until: null, created_at: iso(now), updated_at: iso(now) });
    if (updated === 0) {
      await trx('pins').insert({ id: newId(), subject_kind: subject.kind, subject_id: subject.id, pin_hash: hash, failed_attempts: 0, created_at: iso(now), updated_at: iso(now) });
    }
    await recordAudit(requestContext(ctx), trx, { tenantId, action: 'pin.set', targetKind: subject.kind, targetId: subject.id });
  });
  return statusOf(await findPin(ctx, subject), now);
}

/**
 * The account password of the signed-in operator, asked again before an existing PIN is
 * replaced or removed: the PIN guards sensitive actions, so the access token alone (which may
 * be stolen, and which the PIN exists to back up) must not be enough to reset it. A wrong
 * password counts as a failed login for the address.
 */
async function reauthenticate(ctx: GqlContext, password: string | undefined): Promise<void> {
  if (password === undefined || password === '') throw new DomainError('CURRENT_PASSWORD_REQUIRED');
  await checkOwnPassword(ctx, password);
}

@Resolver()
export class PinResolver {
  @Authorized([Role.VerifiedOperator, Role.ApiKey])
  @Query(() => PinStatus, { description: "A customer's PIN status (tenant admins)." })
  async customerPin(@Arg('customerId', () => ID) customerId: string, @Ctx() ctx: GqlContext): Promise<PinStatus> {
    const customer = await customerToAdminister(ctx, customerId);
    return statusOf(await findPin(ctx, { kind: 'customer', id: customer.id }), ctx.clock.now());
  }

  @Authorized([Role.VerifiedOperator, Role.ApiKey])
  @Mutation(() => PinStatus, { description: "Sets (replaces) a customer's PIN and clears any lockout (tenant admins)." })
  async setCustomerPin(@Arg('customerId', () => ID) customerId: string, @Arg('input') input: SetPinInput, @Ctx() ctx: GqlContext): Promise<PinStatus> {
    const customer = await customerToAdminister(ctx, customerId);
    return setPin(ctx, { kind: 'customer', id: customer.id }, input.pin, customer.tenant_id);
  }

  @Authorized([Role.VerifiedOperator, Role.ApiKey])
  @Mutation(() => Boolean, { description: "Removes a customer's PIN (tenant admins)." })
  async removeCustomerPin(@Arg('customerId', () => ID) customerId: string, @Ctx() ctx: GqlContext): Promise<boolean> {
    const customer = await customerToAdminister(ctx, customerId);
    await ctx.db.transaction(async (trx) => {
      const removed = await trx('pins').where({ subject_kind: 'customer', subject_id: customer.id }).delete();
      if (removed === 0) throw new DomainError('PIN_NOT_SET');
      await recordAudit(requestContext(ctx), trx, { tenantId: customer.tenant_id, action: 'pin.removed', targetKind: 'customer', targetId: customer.id });
    });
    return true;
  }

  @Authorized([Role.VerifiedOperator, Role.Customer])
  @Query(() => PinStatus, { description: "The caller's own PIN status (a customer's, or an operator's)." })
  async myPin(@Ctx() ctx: GqlContext): Promise<PinStatus> {
    return statusOf(await findPin(ctx, callerSubject(ctx)), ctx.clock.now());
  }

  @Authorized([Role.VerifiedOperator])
  @Mutation(() => PinStatus, { description: "Sets the signed-in operator's own PIN (policies can apply to the tenant's side). Replacing an existing PIN needs `currentPassword`." })
  async setMyPin(@Arg('input') input: SetMyPinInput, @Ctx() ctx: GqlContext): Promise<PinStatus> {
    const subject = callerSubject(ctx);
    if (await findPin(ctx, subject)) await reauthenticate(ctx, input.currentPassword);
    return setPin(ctx, subject, input.pin, null);
  }

  @Authorized([Role.VerifiedOperator])
  @Mutation(() => Boolean, { description: "Removes the signed-in operator's own PIN; needs the account password." })
  async removeMyPin(@Arg('input') input: RemoveMyPinInput, @Ctx() ctx: GqlContext): Promise<boolean> {
    const subject = callerSubject(ctx);
    if (!(await findPin(ctx, subject))) throw new DomainError('PIN_NOT_SET');
    await limitPinChanges(ctx);
    await reauthenticate(ctx, input.currentPassword);
    await ctx.db.transaction(async (trx) => {
      await trx('pins').where({ subject_kind: subject.kind, subject_id: subject.id }).delete();
      await recordAudit(requestContext(ctx), trx, { tenantId: null, action: 'pin.removed', targetKind: subject.kind, targetId: subject.id });
    });
    return true;
  }

  @Authorized([Role.VerifiedOperator, Role.ApiKey, Role.Customer])
  @Query(() => PinPolicyType, { description: "An instance's PIN policy (defaults when never set)." })
  async pinPolicy(@Arg('instanceId', () => ID) instanceId: string, @Ctx() ctx: GqlContext): Promise<PinPolicyType> {
    // Integrations poll this: the instance and its policy are one prepared statement.
    const row = await assertInstanceReach(ctx, await ctx.hot.instancePolicy(instanceId), 'read');
    if (row.pin_applies_to === null) return { instanceId: row.id, ...DEFAULT_POLICY };
    return {
      instanceId: row.id,
      pinAppliesTo: row.pin_applies_to as PinAppliesTo,
      pinRequiredSkills: JSON.parse(row.pin_required_skills ?? '[]') as string[],
      pinSessionTtlMinutes: Number(row.pin_session_ttl_minutes),
    };
  }

  @Authorized([Role.VerifiedOperator, Role.ApiKey])
  @Mutation(() => PinPolicyType, { description: "Changes the given fields of an instance's PIN policy (tenant admins)." })
  @RequiresStepUp()
  async updatePinPolicy(@Arg('instanceId', () => ID) instanceId: string, @Arg('input') input: PinPolicyPatchInput, @Ctx() ctx: GqlContext): Promise<PinPolicyType> {
    const instance = await instanceInReach(ctx, instanceId, 'administer');
    const current = await policyOf(ctx, instance.id);
    const next = {
      instance_id: instance.id,
      pin_applies_to: input.pinAppliesTo ?? current.pinAppliesTo,
      pin_required_skills: input.pinRequiredSkills ?? current.pinRequiredSkills,
      pin_session_ttl_minutes: input.pinSessionTtlMinutes ?? current.pinSessionTtlMinutes,
      updated_at: ctx.clock.now(),
    };
    await ctx.db.transaction(async (trx) => {
      const updated = await PinPolicy.query(trx).patch(next).where('instance_id', instance.id);
      if (updated === 0) await PinPolicy.query(trx).insert(next);
      await emitEvent(trx, ctx.clock, instance.tenant_id, 'pin.policy_changed', {
        instanceId: instance.id,
        pinAppliesTo: next.pin_applies_to,
        pinRequiredSkills: next.pin_required_skills,
        pinSessionTtlMinutes: next.pin_session_ttl_minutes,
      });
    });
    return policyOf(ctx, instance.id);
  }

  @Authorized([Role.VerifiedOperator, Role.Customer])
  @Query(() => PinRequirement, { description: 'Whether the caller must confirm the PIN before running the skill now.' })
  async pinRequirement(@Arg('instanceId', () => ID) instanceId: string, @Arg('skill') skill: string, @Ctx() ctx: GqlContext): Promise<PinRequirement> {
    const instance = await instanceInReach(ctx, instanceId, 'read');
    const policy = await policyOf(ctx, instance.id);
    const policyRequiresPin = policyRequires(policy, ctx, skill);
    const sessionExpiresAt = policyRequiresPin ? await liveSessionExpiry(ctx, instance, callerSubject(ctx), policy.pinSessionTtlMinutes) : null;
    return { policyRequires: policyRequiresPin, pinNeededNow: policyRequiresPin && sessionExpiresAt === null, sessionExpiresAt };
  }

  @Authorized([Role.VerifiedOperator, Role.Customer])
  @Mutation(() => PinConfirmation, { description: 'Confirms the PIN for a skill on an instance, opening a PIN session for the policy TTL.' })
  async confirmPin(@Arg('instanceId', () => ID) instanceId: string, @Arg('input') input: ConfirmPinInput, @Ctx() ctx: GqlContext): Promise<PinConfirmation> {
    const instance = await instanceInReach(ctx, instanceId, 'read');
    const policy = await policyOf(ctx, instance.id);
    if (!policyRequires(policy, ctx, input.skill)) return { confirmed: true, expiresAt: null, required: false };
    const subject = callerSubject(ctx);
    const pin = await findPin(ctx, subject);
    if (!pin) throw new DomainError('PIN_NOT_SET');
    const now = ctx.clock.now();
    if (!(await reserveTry(ctx, pin, now))) throw new DomainError('PIN_LOCKED');
    if (await ctx.passwords.verify(pin.pin_hash, input.pin)) {
      await ctx.db.transaction(async (trx) => {
        await trx('pins').where({ id: pin.id }).update({ failed_attempts: 0, locked_until: null });
        await trx('pin_sessions').insert({ id: newId(), instance_id: instance.id, subject_kind: subject.kind, subject_id: subject.id, created_at: iso(now) });
        await recordAudit(requestContext(ctx), trx, { tenantId: instance.tenant_id, action: 'pin.confirmed', targetKind: 'instance', targetId: instance.id });
      });
      return { confirmed: true, expiresAt: new Date(now.getTime() + policy.pinSessionTtlMinutes * 60_000), required: true };
    }
    // The try that reaches the limit locks the PIN (once, however many raced to it).
    await ctx.db.transaction(async (trx) => {
      const locked = await trx('pins')
        .where({ id: pin.id })
        .whereNull('locked_until')
        .andWhere('failed_attempts', '>=', PIN_MAX_FAILURES)
        .update({ locked_until: iso(new Date(now.getTime() + PIN_LOCK_MS)) });
      if (locked !== 1) return;
      await recordAudit(requestContext(ctx), trx, { tenantId: instance.tenant_id, action: 'pin.locked', targetKind: subject.kind, targetId: subject.id });
      await emitEvent(trx, ctx.clock, instance.tenant_id, 'pin.locked', { instanceId: instance.id, subjectKind: subject.kind, subjectId: subject.id });
    });
    throw new DomainError('INVALID_PIN');
  }
}
