import { builtServerExists, spawnGateway, type Gateway } from '../../helpers/gateway';
import { buildApp } from '../../../src/app';
import { createDb, migrateLatest, type Db } from '../../../src/db/knex';
import { startTestApp, testConfig, type TestApp } from '../../helpers/app';
import { createTestDatabase, engine, type TestDatabase } from '../../helpers/db';
import { seedNode, seedPlan, seedTenant } from '../../helpers/seed';

/**
 * 200 signups race for 50 free slots (tenant nodes 20 + 10, global pool 20). Exactly 50 are
 * placed, the other 150 get 503, every node's used count equals its instances, and nothing
 * is left behind. On PostgreSQL the requests go to two gateway processes at once.
 */
const SIGNUPS = 200;
const SLOTS = 50;

async function seed(t: TestApp): Promise<void> {
  await seedTenant(t, 'race');
  await seedPlan(t, { tenantSlug: 'race', name: 'starter', price: '1' });
  await seedNode(t, { hostname: 'r1.example.com', baseDomain: 'r.example.com', capacity: 20, tenantSlug: 'race' });
  await seedNode(t, { hostname: 'r2.example.com', baseDomain: 'r.example.com', capacity: 10, tenantSlug: 'race' });
  await seedNode(t, { hostname: 'g1.example.com', baseDomain: 'g.example.com', capacity: 20 });
}

const body = (i: number) => JSON.stringify({ company_name: `Racer ${i}`, email: `racer${i}@example.com`, tenant_slug: 'race' });

async function checkInvariants(db: Db, statuses: number[]): Promise<void> {
  expect(statuses.filter((s) => s === 200)).toHaveLength(SLOTS);
  expect(statuses.filter((s) => s === 503)).toHaveLength(SIGNUPS - SLOTS);
  const nodes: Array<{ id: string; capacity: number; used: number }> = await db('shared_nodes').select('id', 'capacity', 'used');
  for (const node of nodes) {
    const [{ n }] = await db('instances').where({ node_id: node.id }).count({ n: '*' });
    expect(Number(n)).toBe(node.used);
    expect(node.used).toBe(node.capacity);
  }
  const count = async (query: ReturnType<Db>) => {
    const rows: Array<{ n: number | string }> = await query.count({ n: '*' });
    return Number(rows[0].n);
  };
  expect(await count(db('customers'))).toBe(SLOTS);
  expect(await count(db('instances'))).toBe(SLOTS);
  expect(await count(db('customers').whereNotExists(db('instances').whereRaw('instances.customer_id = customers.id')))).toBe(0);
  expect(await count(db('mail_outbox'))).toBe(SLOTS);
  expect(await count(db('one_time_codes'))).toBe(SLOTS);
}


describe(`signup placement under a race (${engine})`, () => {
  if (engine === 'sqlite') {
    it(`places exactly ${SLOTS} of ${SIGNUPS} concurrent signups in one process`, async () => {
      const t = await startTestApp();
      try {
        await seed(t);
        const results = await Promise.all(
          Array.from({ length: SIGNUPS }, (_, i) =>
            t.app.inject({ method: 'POST', url: '/v1/public/signup', payload: body(i), headers: { 'content-type': 'application/json' } }),
          ),
        );
        await checkInvariants(t.db, results.map((r) => r.statusCode));
      } finally {
        await t.close();
      }
    }, 120_000);
    return;
  }

  (builtServerExists() ? it : it.skip)(`places exactly ${SLOTS} of ${SIGNUPS} signups sent to two gateway processes`, async () => {
    const database: TestDatabase = await createTestDatabase();
    const db = createDb(database.config);
    const gateways: Gateway[] = [];
    try {
      await migrateLatest(db);
      const config = { ...testConfig(), database: database.config };
      const seeder = await buildApp(config, { db, sendMail: false });
      await seed({ app: seeder, db } as unknown as TestApp);
      await seeder.close();

      gateways.push(await spawnGateway(database.config), await spawnGateway(database.config));
      const statuses = await Promise.all(
        Array.from({ length: SIGNUPS }, async (_, i) => {
          const res = await fetch(`${gateways[i % 2].url}/v1/public/signup`, { method: 'POST', body: body(i), headers: { 'content-type': 'application/json' } });
          await res.text();
          return res.status;
        }),
      );
      // Mail is delivered by the gateways' senders; stop them before counting the outbox.
      await Promise.all(gateways.map((gateway) => gateway.stop()));
      await checkInvariants(db, statuses);
    } finally {
      for (const gateway of gateways) if (gateway.child.exitCode === null) gateway.child.kill('SIGKILL');
      await db.destroy();
      await database.drop();
    }
  }, 120_000);
});
