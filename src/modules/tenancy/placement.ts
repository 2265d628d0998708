import type { Knex } from 'knex';
import { DomainError } from '../../lib/errors';
import { randomBytes } from 'node:crypto';
import { SharedNode } from './tenancy.model';

/**
 * Takes one slot on a shared node, atomically. The tenant's own nodes are tried first, then
 * the global pool, each time the node with the most free capacity. The slot is taken by a
 * conditional `UPDATE ... SET used = used + 1 WHERE used < capacity`: PostgreSQL re-checks
 * the condition under the row lock and SQLite has one writer, so two gateway processes can
 * never both take the last slot (and a CHECK constraint backs this up).
 */
export async function takeNodeSlot(trx: Knex.Transaction, tenantId: string, nodeId?: string): Promise<SharedNode> {
  if (nodeId !== undefined) {
    const node = await tryTake(trx, nodeId);
    if (!node) throw new DomainError('NO_CAPACITY');
    return node;
  }
  for (const pool of [tenantId, null]) {
    for (;;) {
      const candidates = await SharedNode.query(trx)
        .select('id')
        .where('tenant_id', pool === null ? null : pool)
        .whereRaw('?? < ??', ['used', 'capacity'])
        .orderByRaw('(?? - ??) desc, ?? asc', ['capacity', 'used', 'id'])
        .limit(8);
      if (candidates.length === 0) break;
      for (const candidate of candidates) {
        const node = await tryTake(trx, candidate.id);
        if (node) return node;
      }
      // Every candidate filled up under us: look again until the pool is truly full.
    }
  }
  throw new DomainError('NO_CAPACITY');
}

async function tryTake(trx: Knex.Transaction, nodeId: string): Promise<SharedNode | undefined> {
  const updated = await trx('shared_nodes')
    .where('id', nodeId)
    .whereRaw('?? < ??', ['used', 'capacity'])
    .increment('used', 1);
  if (updated !== 1) return undefined;
  return SharedNode.query(trx).findById(nodeId);
}

/** `Acme Widgets, Inc.` → `acme-widgets-inc`: lower-case ASCII letters, digits, inner hyphens. */
export function slugify(text: string, maxLength = 40): string {
  const slug = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, maxLength)
    .replace(/-+$/g, '');
  return slug === '' ? 'site' : slug;
}

/**
 * The first free site slug among `base`, `base-xxxx`, ... (random suffixes, so guessing
 * a neighbour's slug tells nothing). The unique index stays the final arbiter.
 */
export async function freeSiteSlug(trx: Knex.Transaction, base: string): Promise<string> {
  let candidate = base;
  for (let attempt = 0; attempt < 10; attempt += 1) {
    const taken = await trx('instances').where('slug', candidate).first('id');
    if (!taken) return candidate;
    candidate = `${base.slice(0, 56)}-${randomBytes(3).toString('hex')}`;
  }
  throw new DomainError('SITE_SLUG_TAKEN');
}
