import { randomBytes } from 'node:crypto';
import { Arg, Authorized, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import { Role } from '../../graphql/auth-checker';
import { requestContext, type GqlContext } from '../../graphql/context';
import { recordAudit } from '../../lib/audit';
import { newId } from '../../lib/ids';
import { randomToken, sha256Hex } from '../../lib/secrets';
import { rowToAdminister, tenantToAdminister } from '../access/reach';
import { AuditQueryInput, CreateApiKeyInput } from './api-key.inputs';
import { ApiKeyType, AuditEvent, CreatedApiKey } from './api-key.types';
import { RequiresStepUp } from '../access/step-up';
import { emitEvent } from '../webhooks/events';

interface ApiKeyRow {
  id: string;
  tenant_id: string;
  name: string;
  prefix: string;
  requests_per_minute: number | null;
  created_at: string | Date;
  last_used_at: string | Date | null;
  revoked_at: string | Date | null;
}

const date = (value: string | Date | null): Date | null => (value === null ? null : new Date(value));
const toApiKey = (row: ApiKeyRow): ApiKeyType => ({
  id: row.id,
  tenantId: row.tenant_id,
  name: row.name,
  prefix: row.prefix,
  requestsPerMinute: row.requests_per_minute,
  createdAt: new Date(row.created_at),
  lastUsedAt: date(row.last_used_at),
  revokedAt: date(row.revoked_at),
});

/**
 * Tenant API keys: `hck_<8 visible characters>_<256-bit secret>`. Only a SHA-256 of the whole
 * key is stored (it is high-entropy, so a slow hash would add nothing but latency).
 * Operators who administer the tenant create, list and revoke them.
 */
@Resolver()
export class ApiKeyResolver {
  @Authorized([Role.VerifiedOperator])
  @Mutation(() => CreatedApiKey, { description: 'Creates an API key for a tenant; the key is shown only in this answer.' })
  @RequiresStepUp()
  async createApiKey(@Arg('input') input: CreateApiKeyInput, @Ctx() ctx: GqlContext): Promise<CreatedApiKey> {
    const tenant = await tenantToAdminister(ctx, input.tenantSlug);
    const prefix = `hck_${randomBytes(6).toString('base64url').slice(0, 8)}`;
    const key = `${prefix}_${randomToken(32)}`;
    const row: ApiKeyRow = { id: newId(), tenant_id: tenant.id, name: input.name, prefix, requests_per_minute: input.requestsPerMinute ?? null, created_at: ctx.clock.now().toISOString(), last_used_at: null, revoked_at: null };
    await ctx.db.transaction(async (trx) => {
      await trx('api_keys').insert({ ...row, key_hash: sha256Hex(key), created_by: ctx.principal.kind === 'operator' ? ctx.principal.userId : null });
      await recordAudit(requestContext(ctx), trx, { tenantId: tenant.id, action: 'api_key.created', targetKind: 'api_key', targetId: row.id });
      await emitEvent(trx, ctx.clock, tenant.id, 'api_key.created', { apiKeyId: row.id, name: row.name, prefix: row.prefix });
    });
    return { key, apiKey: toApiKey(row) };
  }

  @Authorized([Role.VerifiedOperator])
  @Query(() => [ApiKeyType], { description: "A tenant's API keys (never the keys themselves)." })
  async apiKeys(@Arg('tenantSlug') tenantSlug: string, @Ctx() ctx: GqlContext): Promise<ApiKeyType[]> {
    const tenant = await tenantToAdminister(ctx, tenantSlug);
    const rows: ApiKeyRow[] = await ctx.db('api_keys').where({ tenant_id: tenant.id }).orderBy('created_at').select('id', 'tenant_id', 'name', 'prefix', 'requests_per_minute', 'created_at', 'last_used_at', 'revoked_at');
    return rows.map(toApiKey);
  }

  @Authorized([Role.VerifiedOperator])
  @Mutation(() => ApiKeyType, { description: 'Revokes an API key at once.' })
  @RequiresStepUp()
  async revokeApiKey(@Arg('id', () => ID) id: string, @Ctx() ctx: GqlContext): Promise<ApiKeyType> {
    const row = await rowToAdminister<ApiKeyRow>(ctx, await ctx.db('api_keys').where({ id }).first(), 'API_KEY_NOT_FOUND');
    const now = ctx.clock.now().toISOString();
    await ctx.db.transaction(async (trx) => {
      const revoked = await trx('api_keys').where({ id: row.id }).whereNull('revoked_at').update({ revoked_at: now });
      if (revoked === 1) await emitEvent(trx, ctx.clock, row.tenant_id, 'api_key.revoked', { apiKeyId: row.id, name: row.name, prefix: row.prefix });
      await recordAudit(requestContext(ctx), trx, { tenantId: row.tenant_id, action: 'api_key.revoked', targetKind: 'api_key', targetId: row.id });
    });
    return toApiKey({ ...row, revoked_at: row.revoked_at ?? now });
  }

  @Authorized([Role.VerifiedOperator, Role.ApiKey])
  @Query(() => [AuditEvent], { description: "A tenant's audit events, newest first (tenant admins)." })
  async auditEvents(@Arg('input') input: AuditQueryInput, @Ctx() ctx: GqlContext): Promise<AuditEvent[]> {
    const tenant = await tenantToAdminister(ctx, input.tenantSlug);
    return listAudit(ctx, tenant.id, input.first);
  }

  @Authorized([Role.PlatformAdmin])
  @Query(() => [AuditEvent], { description: 'Platform security events (logins, resets, revocations, reuse detections), newest first.' })
  async securityEvents(@Arg('first', () => Int, { defaultValue: 100 }) first: number, @Ctx() ctx: GqlContext): Promise<AuditEvent[]> {
    return listAudit(ctx, null, Math.min(Math.max(first, 1), 500));
  }
}

async function listAudit(ctx: GqlContext, tenantId: string | null, first: number): Promise<AuditEvent[]> {
  const rows = await ctx.db('audit_events').where({ tenant_id: tenantId }).orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id', order: 'desc' }]).limit(first);
  return rows.map((r) => ({
    id: r.id,
    action: r.action,
    actorKind: r.actor_kind,
    actorId: r.actor_id,
    targetKind: r.target_kind,
    targetId: r.target_id,
    details: r.details ?? null,
    ip: r.ip,
    requestId: r.request_id,
    createdAt: new Date(r.created_at),
  }));
}
