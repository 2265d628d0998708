import { Arg, Authorized, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import { lockTenant } from '../../db/memberships';
import { Role } from '../../graphql/auth-checker';
import { requestContext, type GqlContext } from '../../graphql/context';
import { recordAudit } from '../../lib/audit';
import { DomainError } from '../../lib/errors';
import { newId } from '../../lib/ids';
import { rowToAdminister, tenantToAdminister } from '../access/reach';
import { RequiresStepUp } from '../access/step-up';
import { Tenant } from '../tenancy/tenancy.model';
import { vetTarget } from './address';
import { isWebhookEvent } from './events';
import { newWebhookSecret, sealSecret } from './signing';
import { CreateWebhookInput, UpdateWebhookInput } from './webhook.inputs';
import { CreatedWebhook, RotatedWebhookSecret, Webhook, WebhookDelivery } from './webhook.types';

/**
 * Endpoints per tenant: every event is one delivery per endpoint, so a tenant (or a leaked key,
 * or one document with many aliases) cannot make each event a flood of requests.
 */
export const MAX_WEBHOOKS_PER_TENANT = 20;

/** How long the previous secret keeps signing after a rotation. */
export const ROTATION_OVERLAP_MS = 24 * 3_600_000;

interface EndpointRow {
  id: string;
  tenant_id: string;
  url: string;
  events: string;
  description: string;
  disabled_at: string | Date | null;
  previous_secret_expires_at: string | Date | null;
  created_at: string | Date;
}

const date = (value: string | Date | null): Date | null => (value === null ? null : new Date(value));
const toWebhook = (row: EndpointRow): Webhook => ({
  id: row.id,
  tenantId: row.tenant_id,
  url: row.url,
  events: JSON.parse(row.events) as string[],
  description: row.description,
  disabledAt: date(row.disabled_at),
  previousSecretExpiresAt: date(row.previous_secret_expires_at),
  createdAt: new Date(row.created_at),
});

const COLUMNS = ['id', 'tenant_id', 'url', 'events', 'description', 'disabled_at', 'previous_secret_expires_at', 'created_at'];

/** The tenant a call manages: `tenantSlug` when given (the one reach rule), else an API key's own tenant. */
async function tenantFor(ctx: GqlContext, tenantSlug: string | undefined): Promise<Tenant> {
  if (tenantSlug !== undefined) return tenantToAdminister(ctx, tenantSlug);
  const { principal } = ctx;
  if (principal.kind !== 'apiKey') throw new DomainError('TENANT_SLUG_REQUIRED');
  const tenant = await Tenant.query(ctx.db).findById(principal.tenantId);
  if (!tenant) throw new DomainError('TENANT_NOT_FOUND');
  return tenant;
}

/** Known event types, at least one, without repeats; anything else is refused (a typo would otherwise never fire). */
function checkedEvents(events: string[]): string[] {
  if (events.length === 0) throw new DomainError('UNKNOWN_WEBHOOK_EVENT');
  for (const event of events) if (!isWebhookEvent(event)) throw new DomainError('UNKNOWN_WEBHOOK_EVENT');
  return [...new Set(events)];
}

async function checkedUrl(ctx: GqlContext, url: string): Promise<string> {
  if (!(await vetTarget(url, ctx.config.webhooks))) throw new DomainError('WEBHOOK_URL_REFUSED');
  return url;
}

async function endpointToAdminister(ctx: GqlContext, id: string): Promise<EndpointRow> {
  return rowToAdminister<EndpointRow>(ctx, await ctx.db('webhook_endpoints').where({ id }).first(COLUMNS), 'WEBHOOK_NOT_FOUND');
}

/**
 * Tenant webhooks (docs/webhooks.md): operators who administer the tenant and the tenant's API
 * keys manage its endpoints and see their deliveries. Other tenants' ids answer 404.
 */
@Resolver()
export class WebhookResolver {
  @Authorized([Role.VerifiedOperator, Role.ApiKey])
  @Mutation(() => CreatedWebhook, { description: 'Adds a webhook endpoint; its signing secret is shown only in this answer.' })
  @RequiresStepUp()
  async createWebhook(@Arg('input') input: CreateWebhookInput, @Ctx() ctx: GqlContext): Promise<CreatedWebhook> {
    const tenant = await tenantFor(ctx, input.tenantSlug);
    const events = checkedEvents(input.events);
    const url = await checkedUrl(ctx, input.url);
    const secret = newWebhookSecret();
    const row: EndpointRow = { id: newId(), tenant_id: tenant.id, url, events: JSON.stringify(events), description: input.description, disabled_at: null, previous_secret_expires_at: null, created_at: ctx.clock.now().toISOString() };
    await ctx.db.transaction(async (trx) => {
      // The tenant's row lock (PostgreSQL; SQLite writes one at a time) keeps parallel creations counted.
      await lockTenant(trx, tenant.id);
      const count = await trx('webhook_endpoints').where({ tenant_id: tenant.id }).count({ n: '*' }).first();
      if (Number(count?.n ?? 0) >= MAX_WEBHOOKS_PER_TENANT) throw new DomainError('WEBHOOK_LIMIT_REACHED');
      await trx('webhook_endpoints').insert({ ...row, secret_sealed: sealSecret(ctx.config.auth.mfaKey, secret) });
      await recordAudit(requestContext(ctx), trx, { tenantId: tenant.id, action: 'webhook.created', targetKind: 'webhook', targetId: row.id, details: { url, events } });
    });
    return { id: row.id, secret, webhook: toWebhook(row) };
  }

  @Authorized([Role.VerifiedOperator, Role.ApiKey])
  @Query(() => [Webhook], { description: "A tenant's webhook endpoints (never their secrets)." })
  async webhooks(@Arg('tenantSlug', () => String, { nullable: true }) tenantSlug: string | undefined, @Ctx() ctx: GqlContext): Promise<Webhook[]> {
    const tenant = await tenantFor(ctx, tenantSlug ?? undefined);
    const rows: EndpointRow[] = await ctx.db('webhook_endpoints').where({ tenant_id: tenant.id }).orderBy([{ column: 'created_at' }, { column: 'id' }]).select(COLUMNS);
    return rows.map(toWebhook);
  }

  @Authorized([Role.VerifiedOperator, Role.ApiKey])
  @Mutation(() => Webhook, { description: "Changes an endpoint's URL, events, description, or enables/disables it." })
  async updateWebhook(@Arg('id', () => ID) id: string, @Arg('input') input: UpdateWebhookInput, @Ctx() ctx: GqlContext): Promise<Webhook> {
    const row = await endpointToAdminister(ctx, id);
    const changes: Partial<EndpointRow> = {};
    if (input.url !== undefined && input.url !== null) changes.url = await checkedUrl(ctx, input.url);
    if (input.events !== undefined && input.events !== null) changes.events = JSON.stringify(checkedEvents(input.events));
    if (input.description !== undefined && input.description !== null) changes.description = input.description;
    if (input.enabled === true) changes.disabled_at = null;
    if (input.enabled === false) changes.disabled_at = row.disabled_at ?? ctx.clock.now().toISOString();
    if (Object.keys(changes).length > 0) await ctx.db('webhook_endpoints').where({ id: row.id }).update(changes);
    return toWebhook({ ...row, ...changes });
  }

  @Authorized([Role.VerifiedOperator, Role.ApiKey])
  @Mutation(() => RotatedWebhookSecret, { description: 'A new signing secret; the current one keeps signing (as a second signature) for 24 hours.' })
  @RequiresStepUp()
  async rotateWebhookSecret(@Arg('id', () => ID) id: string, @Ctx() ctx: GqlContext): Promise<RotatedWebhookSecret> {
    const row = await endpointToAdminister(ctx, id);
    const secret = newWebhookSecret();
    const expires = new Date(ctx.clock.now().getTime() + ROTATION_OVERLAP_MS);
    await ctx.db.transaction(async (trx) => {
      const current: { secret_sealed: string } = await trx('webhook_endpoints').where({ id: row.id }).first('secret_sealed');
      await trx('webhook_endpoints').where({ id: row.id }).update({
        secret_sealed: sealSecret(ctx.config.auth.mfaKey, secret),
        previous_secret_sealed: current.secret_sealed,
        previous_secret_expires_at: expires.toISOString(),
      });
      await recordAudit(requestContext(ctx), trx, { tenantId: row.tenant_id, action: 'webhook.secret_rotated', targetKind: 'webhook', targetId: row.id });
    });
    return { secret, previousSecretExpiresAt: expires };
  }

  @Authorized([Role.VerifiedOperator, Role.ApiKey])
  @Mutation(() => Boolean, { description: 'Deletes an endpoint and its pending deliveries: nothing more is sent to it.' })
  @RequiresStepUp()
  async deleteWebhook(@Arg('id', () => ID) id: string, @Ctx() ctx: GqlContext): Promise<boolean> {
    const row = await endpointToAdminister(ctx, id);
    await ctx.db.transaction(async (trx) => {
      await trx('webhook_deliveries').where({ endpoint_id: row.id }).delete();
      await trx('webhook_endpoints').where({ id: row.id }).delete();
      await recordAudit(requestContext(ctx), trx, { tenantId: row.tenant_id, action: 'webhook.deleted', targetKind: 'webhook', targetId: row.id, details: { url: row.url } });
    });
    return true;
  }

  @Authorized([Role.VerifiedOperator, Role.ApiKey])
  @Query(() => [WebhookDelivery], { description: "An endpoint's deliveries, newest first." })
  async webhookDeliveries(@Arg('id', () => ID) id: string, @Arg('first', () => Int, { defaultValue: 50 }) first: number, @Ctx() ctx: GqlContext): Promise<WebhookDelivery[]> {
    const row = await endpointToAdminister(ctx, id);
    const rows = await ctx
      .db('webhook_deliveries as d')
      .join('webhook_events as e', 'e.id', 'd.event_id')
      .where('d.endpoint_id', row.id)
      .orderBy([{ column: 'd.created_at', order: 'desc' }, { column: 'd.id', order: 'desc' }])
      .limit(Math.min(Math.max(first, 1), 200))
      .select('d.*', 'e.type as event_type');
    return rows.map(toDelivery);
  }

  @Authorized([Role.VerifiedOperator, Role.ApiKey])
  @Mutation(() => WebhookDelivery, { description: 'Sends a delivery again now (a new delivery of the same event: the same webhook-id).' })
  async redeliverWebhook(@Arg('deliveryId', () => ID) deliveryId: string, @Ctx() ctx: GqlContext): Promise<WebhookDelivery> {
    const found = await ctx.db('webhook_deliveries as d').join('webhook_endpoints as w', 'w.id', 'd.endpoint_id').where('d.id', deliveryId).first('d.event_id', 'd.endpoint_id', 'w.tenant_id');
    const delivery = await rowToAdminister<{ event_id: string; endpoint_id: string; tenant_id: string }>(ctx, found, 'WEBHOOK_DELIVERY_NOT_FOUND');
    const now = ctx.clock.now().toISOString();
    const fresh = { id: newId(), event_id: delivery.event_id, endpoint_id: delivery.endpoint_id, attempts: 0, status: 'pending', next_attempt_at: now, created_at: now };
    await ctx.db('webhook_deliveries').insert(fresh);
    const event: { type: string } = await ctx.db('webhook_events').where({ id: delivery.event_id }).first('type');
    return toDelivery({ ...fresh, event_type: event.type, response_code: null, response_excerpt: null, last_error: null, last_attempt_at: null });
  }
}

function toDelivery(r: Record<string, unknown>): WebhookDelivery {
  return {
    id: r.id as string,
    eventId: r.event_id as string,
    eventType: r.event_type as string,
    status: r.status as string,
    attempts: Number(r.attempts),
    responseCode: r.response_code === null ? null : Number(r.response_code),
    responseExcerpt: (r.response_excerpt as string | null) ?? null,
    lastError: (r.last_error as string | null) ?? null,
    lastAttemptAt: date(r.last_attempt_at as string | Date | null),
    // A leased delivery's next_attempt_at is the lease, not a planned try: shown only while pending.
    nextAttemptAt: r.status === 'pending' ? date(r.next_attempt_at as string | Date | null) : null,
    createdAt: new Date(r.created_at as string),
  };
}
