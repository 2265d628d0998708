import { CREATE_INSTANCE } from '../../../src/cli/operations';
import { OperationError } from '../../../src/cli/run-operation';
import { startTestApp, type TestApp } from '../../helpers/app';
import { engine } from '../../helpers/db';
import { asPlatform, seedNode, seedTenant } from '../../helpers/seed';

describe(`shared-node placement (${engine})`, () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
    await seedTenant(t, 'acme');
    await seedTenant(t, 'other');
  });
  afterAll(() => t.close());

  const nodes = () => t.db('shared_nodes').select('hostname', 'capacity', 'used').orderBy('hostname');
  const create = (slug: string, tenantSlug = 'acme') => asPlatform(t, CREATE_INSTANCE, { input: { tenantSlug, slug } });

  it("fills the tenant's emptiest node first, then the global pool, and never over capacity", async () => {
    await seedNode(t, { hostname: 'a1.example.com', baseDomain: 'a.example.com', capacity: 2, tenantSlug: 'acme' });
    await seedNode(t, { hostname: 'a2.example.com', baseDomain: 'a.example.com', capacity: 3, tenantSlug: 'acme' });
    await seedNode(t, { hostname: 'g1.example.com', baseDomain: 'g.example.com', capacity: 2 });
    await seedNode(t, { hostname: 'o1.example.com', baseDomain: 'o.example.com', capacity: 10, tenantSlug: 'other' });

    // 12 concurrent creations for 5 tenant slots + 2 global slots.
    const results = await Promise.allSettled(Array.from({ length: 12 }, (_, i) => create(`site-${i}`)));
    const placed = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
    expect(placed).toHaveLength(7);
    expect(refused).toHaveLength(5);
    for (const r of refused) expect((r.reason as OperationError).code).toBe('NO_CAPACITY');

    expect(await nodes()).toEqual([
      { hostname: 'a1.example.com', capacity: 2, used: 2 },
      { hostname: 'a2.example.com', capacity: 3, used: 3 },
      { hostname: 'g1.example.com', capacity: 2, used: 2 },
      { hostname: 'o1.example.com', capacity: 10, used: 0 },
    ]);
    const counts: Array<{ node_id: string; n: number | string }> = await t.db('instances').select('node_id').count({ n: '*' }).groupBy('node_id');
    const byNode = await t.db('shared_nodes').select('id', 'used');
    for (const node of byNode) {
      const row = counts.find((c) => c.node_id === node.id);
      expect(Number(row?.n ?? 0)).toBe(node.used);
    }
  });

  it('makes a taken site slug unique and the database refuses to exceed capacity', async () => {
    await seedNode(t, { hostname: 'o2.example.com', baseDomain: 'o.example.com', capacity: 5, tenantSlug: 'other' });
    const first = await create('shop', 'other');
    const second = await create('shop', 'other');
    expect((first as { createInstance: { slug: string } }).createInstance.slug).toBe('shop');
    expect((second as { createInstance: { slug: string } }).createInstance.slug).toMatch(/^shop-[0-9a-f]{6}$/);
    expect(await t.db('shared_nodes').where({ hostname: 'o2.example.com' }).first('capacity', 'used')).toEqual({ capacity: 5, used: expect.any(Number) });
    let failure: unknown;
    try {
      await t.db('shared_nodes').where({ hostname: 'o2.example.com' }).update({ used: 6 });
    } catch (error) {
      failure = error;
    }
    if (!failure) {
      const ddl = engine === 'sqlite' ? await t.db.raw("select sql from sqlite_master where name = 'shared_nodes'") : [];
      throw new Error(`capacity not enforced: ${JSON.stringify(ddl)} ${JSON.stringify(await t.db('shared_nodes').select())}`);
    }
    expect(String(failure)).toMatch(/CHECK|check constraint/);
  });
});
