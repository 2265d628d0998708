import type { Knex } from 'knex';
import type { Clock } from '../../lib/clock';
import { customerSubject } from '../customer-auth/customer.mail-requests';

const iso = (date: Date) => date.toISOString();

/**
 * A pending (unverified) signup holds its node slot for a bounded time (`PENDING_SIGNUP_TTL_HOURS`,
 * 24 h by default): after that the slot is released and the row goes, so unverified signups
 * cannot exhaust a tenant's capacity for good (issue 13), and the address may sign up again.
 * Released by a sweeper in every gateway process and, so that a stale row never blocks a real
 * customer, by signup itself (the address's own stale row, or any when capacity ran out).
 */
export class PendingSignups {
  constructor(
    private readonly db: Knex,
    private readonly clock: Clock,
    private readonly ttlSeconds: number,
  ) {}

  private cutoff(): string {
    return iso(new Date(this.clock.now().getTime() - this.ttlSeconds * 1000));
  }

  isExpired(createdAt: Date | string): boolean {
    return iso(new Date(createdAt)) < this.cutoff();
  }

  /** Releases up to `limit` expired pending signups (of one tenant, or all); returns how many. */
  async releaseExpired(limit = 100, tenantId?: string): Promise<number> {
    const query = this.db('customers').where('status', 'pending').andWhere('created_at', '<', this.cutoff()).orderBy('created_at').limit(limit).select('id');
    if (tenantId !== undefined) query.where('tenant_id', tenantId);
    const rows: Array<{ id: string }> = await query;
    let released = 0;
    for (const row of rows) if (await this.release(row.id)) released += 1;
    return released;
  }

  /**
   * Releases one signup if it is still pending and expired, all or nothing: its site, the node
   * slot the site held, its codes and the row. The first statement re-checks both conditions
   * and (on PostgreSQL) locks the row, so a verification racing with the release either
   * activates the customer first (and nothing is released) or finds no pending customer.
   */
  async release(customerId: string): Promise<boolean> {
    return this.db.transaction(async (trx) => {
      const claimed = await trx('customers')
        .where({ id: customerId, status: 'pending' })
        .andWhere('created_at', '<', this.cutoff())
        .update({ updated_at: iso(this.clock.now()) });
      if (claimed !== 1) return false;
      const sites: Array<{ id: string; node_id: string }> = await trx('instances').where({ customer_id: customerId }).select('id', 'node_id');
      for (const site of sites) {
        await trx('instances').where({ id: site.id }).delete();
        await trx('shared_nodes').where({ id: site.node_id }).andWhere('used', '>', 0).decrement('used', 1);
      }
      await trx('one_time_codes').where({ subject: customerSubject(customerId) }).delete();
      await trx('customers').where({ id: customerId }).delete();
      return true;
    });
  }
}
