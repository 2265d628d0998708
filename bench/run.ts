import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import argon2 from 'argon2';
import knexFactory from 'knex';
import { buildApp } from '../src/app';
import { loadConfig } from '../src/config';
import { createDb, migrateLatest, type Db } from '../src/db/knex';
import { newId } from '../src/lib/ids';
import { LIMITS } from '../src/lib/limits';
import { KICK_DELAY_MS } from '../src/mail/requests';
import { BASE_ENV, cannon, postJson, refreshLoad, ROOT, signupLoad, startApolloFloor, startReference, startServer, type Server } from './harness';

/**
 * `npm run bench`: each figure is measured against the limit of its own stack in the same run
 * (ratios, because absolute numbers are noisy on a shared 2-core machine). Servers and load
 * generators are separate processes. Results: bench/results.md.
 */
interface Row {
  figure: string;
  value: string;
  target: string;
  pass: boolean | null;
}

const rows: Row[] = [];
const report = (figure: string, value: string, target = 'reference', pass: boolean | null = null) => {
  rows.push({ figure, value, target, pass });
  process.stdout.write(`${figure}: ${value} (${target})\n`);
};
const DURATION = Number(process.env.BENCH_SECONDS ?? 8);
const PASSWORD = 'bench passphrase 1';
const PG_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hydracore-bench-'));
const sqliteUrl = (name: string) => `sqlite:${path.join(tmp, `${name}.sqlite`)}`;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const ME_QUERY = JSON.stringify({ query: '{ me { id email emailVerified isAdmin createdAt tenants { id slug name role } } }' });

async function registerAndLogin(server: Server, email: string): Promise<{ access: string; refresh: string }> {
  await postJson(`${server.url}/auth/register`, { email, password: PASSWORD });
  const login = await postJson(`${server.url}/auth/login`, { email, password: PASSWORD });
  if (login.status !== 200) throw new Error(`login failed: ${JSON.stringify(login.json)}`);
  return { access: String(login.json.access_token), refresh: String(login.json.refresh_token) };
}

async function pgAvailable(): Promise<boolean> {
  const probe = knexFactory({ client: 'pg', connection: PG_URL, pool: { min: 0, max: 1 }, acquireConnectionTimeout: 3000 });
  try {
    await probe.raw('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await probe.destroy();
  }
}

async function pgSchema(): Promise<{ env: Record<string, string>; drop: () => Promise<void> }> {
  const schema = `bench_${randomBytes(4).toString('hex')}`;
  const admin = knexFactory({ client: 'pg', connection: PG_URL, pool: { min: 0, max: 1 } });
  await admin.raw('create schema ??', [schema]);
  await admin.destroy();
  return {
    env: { DATABASE_URL: PG_URL, DATABASE_SCHEMA: schema },
    drop: async () => {
      const cleanup = knexFactory({ client: 'pg', connection: PG_URL, pool: { min: 0, max: 1 } });
      await cleanup.raw('drop schema if exists ?? cascade', [schema]);
      await cleanup.destroy();
    },
  };
}

/** Promotes an operator to a verified platform admin straight in the database (bench setup only). */
async function promote(env: Record<string, string>, email: string): Promise<void> {
  const url = env.DATABASE_URL;
  const db = url.startsWith('sqlite:')
    ? createDb({ client: 'sqlite', connection: url.slice('sqlite:'.length) })
    : createDb({ client: 'postgres', connection: url, schema: env.DATABASE_SCHEMA });
  await db('users').where({ email_lower: email }).update({ is_admin: true, email_verified: true });
  await db.destroy();
}

/** A signed-in platform admin, a tenant with an instance, and an API key with its own budget. */
async function seedForLoad(server: Server, env: Record<string, string>, keyBudget?: number): Promise<{ auth: Record<string, string>; instance: string; key: string }> {
  await postJson(`${server.url}/auth/register`, { email: 'root@example.com', password: PASSWORD });
  await promote(env, 'root@example.com');
  const login = await postJson(`${server.url}/auth/login`, { email: 'root@example.com', password: PASSWORD });
  const auth = { authorization: `Bearer ${String(login.json.access_token)}` };
  await gql(server, 'mutation { createTenant(input: { slug: "busy", name: "Busy" }) { id } }', auth);
  await gql(server, 'mutation { addSharedNode(input: { tenantSlug: "busy", hostname: "n1.busy.example.com", baseDomain: "sites.busy.example.com", capacity: 10 }) { id } }', auth);
  const instance = (await gql(server, 'mutation { createInstance(input: { tenantSlug: "busy", slug: "shop" }) { id } }', auth)).createInstance.id as string;
  const budget = keyBudget === undefined ? '' : `, requestsPerMinute: ${keyBudget}`;
  const key = (await gql(server, `mutation { createApiKey(input: { tenantSlug: "busy", name: "load"${budget} }) { key } }`, auth)).createApiKey.key as string;
  return { auth, instance, key };
}

/**
 * 1. The hot path against its reference (issue 14): `GET /auth/me`, `POST /graphql { me }` and
 * an API-key REST call (`GET /v1/instances/{id}/pin-policy`) on the gateway at its default
 * configuration (limits and metrics on), against bench/reference.ts, a bare Fastify process
 * doing `/auth/me` with node:crypto and prepared statements on the same database. Interleaved
 * rounds in one run, c=32, on SQLite and PostgreSQL, each without and with Redis. The RSS of
 * the gateway is read after every load (it must stay flat across rounds).
 */
async function hotPath(pg: boolean): Promise<void> {
  const configs: Array<[string, () => Promise<{ env: Record<string, string>; drop?: () => Promise<void> }>]> = [
    ['SQLite', async () => ({ env: { DATABASE_URL: sqliteUrl(`hot-${randomBytes(3).toString('hex')}`) } })],
    ['SQLite + Redis', async () => ({ env: { DATABASE_URL: sqliteUrl(`hot-${randomBytes(3).toString('hex')}`), REDIS_URL: REDIS_URL, REDIS_PREFIX: `bench-${randomBytes(4).toString('hex')}:` } })],
  ];
  if (pg) {
    configs.push(['PostgreSQL', async () => pgSchema()]);
    configs.push(['PostgreSQL + Redis', async () => {
      const schema = await pgSchema();
      return { env: { ...schema.env, REDIS_URL: REDIS_URL, REDIS_PREFIX: `bench-${randomBytes(4).toString('hex')}:` }, drop: schema.drop };
    }]);
  }
  // BENCH_HOT_CONFIGS="SQLite,PostgreSQL + Redis" measures only those (while developing).
  const wanted = process.env.BENCH_HOT_CONFIGS?.split(',').map((name) => name.trim());
  for (const [name, make] of configs.filter(([name]) => !wanted || wanted.includes(name))) {
    const { env, drop } = await make();
    const server = await startServer({ ...DEFAULT_LIMITS_ENV, METRICS_ENABLED: 'true', ...env });
    const reference = await startReference(env);
    const floor = await startApolloFloor();
    try {
      const { auth, instance, key } = await seedForLoad(server, env, 1_000_000);
      const series: Array<[string, string, Partial<Parameters<typeof cannon>[1]>]> = [
        ['reference', `${reference.url}/auth/me`, { headers: auth }],
        ['Apollo floor', `${floor.url}/graphql`, { method: 'POST', body: ME_QUERY, headers: { 'content-type': 'application/json' } }],
        ['REST /auth/me', `${server.url}/auth/me`, { headers: auth }],
        ['GraphQL { me }', `${server.url}/graphql`, { method: 'POST', body: ME_QUERY, headers: { ...auth, 'content-type': 'application/json' } }],
        ['API-key REST pin-policy', `${server.url}/v1/instances/${instance}/pin-policy`, { headers: { 'x-api-key': key } }],
      ];
      for (const [, url, extra] of series) await cannon(url, { connections: 32, seconds: 2, ...extra }); // warm-up
      const rps = new Map<string, number>();
      const rss: number[] = [];
      const retained: number[] = [];
      for (let round = 0; round < 2; round += 1) {
        for (const [label, url, extra] of series) {
          const result = await cannon(url, { connections: 32, seconds: DURATION, ...extra });
          if (result.non2xx > 0) throw new Error(`${label} (${name}) answered ${result.non2xx} non-2xx`);
          rps.set(label, (rps.get(label) ?? 0) + result.rps / 2);
          if (label !== 'reference' && label !== 'Apollo floor') {
            rss.push(server.rssMiB());
            retained.push(await server.retainedMiB());
          }
        }
      }
      const ref = rps.get('reference') as number;
      report(`reference /auth/me (req/s, ${name}, c=32, mean of 2 interleaved rounds)`, ref.toFixed(0));
      // What Apollo itself costs: bare Fastify + Apollo answering the same `{ me }` from a
      // constant (no auth, no database, no type-graphql). GraphQL's ratio cannot exceed this one.
      const apolloFloor = rps.get('Apollo floor') as number;
      report(`Apollo floor { me } (req/s, bare Fastify + Apollo, ${name})`, apolloFloor.toFixed(0));
      report(`Apollo floor / reference (${name})`, (apolloFloor / ref).toFixed(3));
      report(`GraphQL { me } / Apollo floor (${name})`, ((rps.get('GraphQL { me }') as number) / apolloFloor).toFixed(3));
      for (const [label, target] of [['REST /auth/me', 0.6], ['GraphQL { me }', 0.5], ['API-key REST pin-policy', 0.5]] as const) {
        const value = rps.get(label) as number;
        report(`${label} (req/s, ${name})`, value.toFixed(0));
        report(`${label} / reference (${name})`, (value / ref).toFixed(3), `>= ${target}`, value / ref >= target);
      }
      report(`gateway RSS after each load (MiB, ${name})`, rss.map((v) => v.toFixed(0)).join(', '));
      // Flat: what the heap still holds after a full collection does not grow from round to round.
      const last = retained[retained.length - 1];
      report(`gateway heap retained after each load (MiB after a full GC, ${name})`, retained.map((v) => v.toFixed(1)).join(', '), 'flat: last <= 1.1 x first of round 2', last <= 1.1 * retained[3]);
    } finally {
      await reference.stop();
      await floor.stop();
      await server.stop();
      await drop?.();
    }
  }
}

/** 2. The event loop under a login storm: /auth/me p99 idle, then while logins saturate hashing. */
async function loginStorm(): Promise<void> {
  const server = await startServer({ DATABASE_URL: sqliteUrl('storm') });
  try {
    const { access } = await registerAndLogin(server, 'me@example.com');
    const load = (url: string) => cannon(url, { connections: 4, seconds: 6, headers: { authorization: `Bearer ${access}` } });
    const idle = await load(`${server.url}/auth/me`);
    const storm = cannon(`${server.url}/auth/login`, { connections: 32, seconds: 10, method: 'POST', body: JSON.stringify({ email: 'me@example.com', password: PASSWORD }), headers: { 'content-type': 'application/json' } });
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const busy = await load(`${server.url}/auth/me`);
    const stormResult = await storm;
    report('/auth/me p99 idle (ms)', String(idle.p99));
    report(`/auth/me p99 during a login storm (ms; ${stormResult.rps.toFixed(0)} logins/s)`, String(busy.p99));
    report('storm p99 / idle p99', (busy.p99 / Math.max(idle.p99, 1)).toFixed(2), '<= 10', busy.p99 / Math.max(idle.p99, 1) <= 10);
    report('gateway RSS after the storm (MiB)', server.rssMiB().toFixed(0));
  } finally {
    await server.stop();
  }
}

/** 2. Login against raw argon2.verify with the same parameters at the same concurrency. */
async function loginAtHashingLimit(): Promise<void> {
  const hash = await argon2.hash(PASSWORD, { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 });
  const rawRate = async (): Promise<number> => {
    let calls = 0;
    const deadline = Date.now() + DURATION * 1000;
    const started = Date.now();
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (Date.now() < deadline) {
          await argon2.verify(hash, PASSWORD);
          calls += 1;
        }
      }),
    );
    return calls / ((Date.now() - started) / 1000);
  };
  const server = await startServer({ DATABASE_URL: sqliteUrl('login') });
  try {
    await registerAndLogin(server, 'login@example.com');
    const body = JSON.stringify({ email: 'login@example.com', password: PASSWORD });
    const options = { connections: 16, method: 'POST', body, headers: { 'content-type': 'application/json' } };
    await cannon(`${server.url}/auth/login`, { ...options, seconds: 2 });
    // Two interleaved rounds (raw, gateway, raw, gateway), averaged: the machine is shared.
    let raw = 0;
    let login = 0;
    for (let round = 0; round < 2; round += 1) {
      raw += (await rawRate()) / 2;
      const result = await cannon(`${server.url}/auth/login`, { ...options, seconds: DURATION });
      if (result.non2xx > 0) throw new Error(`login answered ${result.non2xx} non-2xx`);
      login += result.rps / 2;
    }
    report('raw argon2.verify (calls/s, m=19456 KiB t=2 p=1, 16 concurrent, mean of 2 rounds)', raw.toFixed(1));
    report('POST /auth/login (req/s, c=16, mean of 2 rounds)', login.toFixed(1));
    report('login / raw argon2', (login / raw).toFixed(3), '>= 0.90', login / raw >= 0.9);
  } finally {
    await server.stop();
  }
}

/** 3. Token refreshes (each a real rotation) on SQLite and PostgreSQL. */
async function refreshes(pg: boolean): Promise<void> {
  const engines: Array<[string, Record<string, string>, (() => Promise<void>) | undefined]> = [['SQLite', { DATABASE_URL: sqliteUrl('refresh') }, undefined]];
  if (pg) {
    const schema = await pgSchema();
    engines.push(['PostgreSQL', schema.env, schema.drop]);
  }
  for (const [engine, env, drop] of engines) {
    const server = await startServer(env);
    try {
      await postJson(`${server.url}/auth/register`, { email: 'refresh@example.com', password: PASSWORD });
      const tokens: string[] = [];
      for (let i = 0; i < 16; i += 1) tokens.push(String((await postJson(`${server.url}/auth/login`, { email: 'refresh@example.com', password: PASSWORD })).json.refresh_token));
      const cpuBefore = server.cpuSeconds();
      const result = await refreshLoad(`${server.url}/auth/refresh`, tokens, DURATION);
      const coresUsed = (server.cpuSeconds() - cpuBefore) / DURATION;
      if (result.errors > 0) throw new Error(`${result.errors} refreshes failed on ${engine}`);
      // Per core the server used (its CPU time over the run, all threads): the load generator
      // shares this machine's cores, so the raw rate alone would measure the machine.
      const perCore = result.rps / coresUsed;
      report(`refreshes/s on ${engine} (16 clients, each rotating its own token; one process)`, result.rps.toFixed(0));
      report(`server cores used during it (${engine})`, coresUsed.toFixed(2));
      report(`refreshes/s per server core on ${engine}`, perCore.toFixed(0), '>= 875', perCore >= 875);
      report(`gateway RSS after the refresh load (MiB, ${engine})`, server.rssMiB().toFixed(0));
    } finally {
      await server.stop();
      await drop?.();
    }
  }
}

/** 5. Scale with data: p50 of login and /auth/me with 1,000,000 users and 100,000 customers vs 1,000. */
async function seed(db: Db, users: number, customers: number, hash: string): Promise<void> {
  const now = new Date('2026-01-01T00:00:00Z').toISOString();
  const tenant = newId();
  const plan = newId();
  await db('tenants').insert({ id: tenant, slug: 'scale', name: 'Scale', created_at: now, updated_at: now });
  await db('plans').insert({ id: plan, tenant_id: tenant, name: 'starter', description: '', features: '[]', price: '1', display_order: 0, active: true, created_at: now });
  const batch = 5000;
  for (let start = 0; start < users; start += batch) {
    const rows = Array.from({ length: Math.min(batch, users - start) }, (_, i) => ({
      id: newId(),
      email: `user${start + i}@example.com`,
      email_lower: `user${start + i}@example.com`,
      password_hash: hash,
      email_verified: true,
      is_admin: false,
      created_at: now,
      updated_at: now,
    }));
    await db.batchInsert('users', rows, 500);
  }
  for (let start = 0; start < customers; start += batch) {
    const rows = Array.from({ length: Math.min(batch, customers - start) }, (_, i) => ({
      id: newId(),
      tenant_id: tenant,
      email: `customer${start + i}@example.com`,
      email_lower: `customer${start + i}@example.com`,
      company_name: `Customer ${start + i}`,
      plan_id: plan,
      status: 'active',
      created_at: now,
      updated_at: now,
    }));
    await db.batchInsert('customers', rows, 500);
  }
}

async function scaleWithData(): Promise<void> {
  const hash = await argon2.hash(PASSWORD, { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 });
  const users = Number(process.env.BENCH_LARGE_USERS ?? 1_000_000);
  const customers = Number(process.env.BENCH_LARGE_CUSTOMERS ?? 100_000);
  const p50 = new Map<string, { login: number; me: number }>();
  for (const [label, userCount, customerCount] of [['1,000 users', 1_000, 100], [`${users.toLocaleString('en')} users`, users, customers]] as const) {
    const url = sqliteUrl(`scale-${userCount}`);
    const config = { ...loadConfig({ ...BASE_ENV, DATABASE_URL: url }) };
    const db = createDb(config.database);
    const seeding = Date.now();
    await migrateLatest(db);
    await seed(db, userCount, customerCount, hash);
    await db.destroy();
    process.stdout.write(`seeded ${label} in ${((Date.now() - seeding) / 1000).toFixed(1)} s\n`);
    // The session cache off: this measures the database at scale, not the memory in front of it.
    const server = await startServer({ DATABASE_URL: url, AUTH_CACHE: 'false' });
    try {
      const email = `user${Math.floor(userCount / 2)}@example.com`;
      const login = await postJson(`${server.url}/auth/login`, { email, password: PASSWORD });
      const access = String(login.json.access_token);
      const body = JSON.stringify({ email, password: PASSWORD });
      const loginLoad = await cannon(`${server.url}/auth/login`, { connections: 2, seconds: 6, method: 'POST', body, headers: { 'content-type': 'application/json' } });
      const meLoad = await cannon(`${server.url}/auth/me`, { connections: 4, seconds: 6, headers: { authorization: `Bearer ${access}` } });
      if (loginLoad.non2xx + meLoad.non2xx > 0) throw new Error(`scale run answered non-2xx on ${label}`);
      // /auth/me answers in well under a millisecond, below autocannon's whole-millisecond
      // percentiles: its mean latency comes from the rate at a fixed concurrency (4 / rps).
      const meMean = (4 * 1000) / meLoad.rps;
      p50.set(label, { login: loginLoad.p50, me: meMean });
      report(`login p50 with ${label} (ms)`, String(loginLoad.p50));
      report(`/auth/me mean latency with ${label} (ms, session cache off, c=4: 4 / req/s)`, meMean.toFixed(3));
    } finally {
      await server.stop();
    }
  }
  const [small, large] = [...p50.values()];
  // Login latencies are whole milliseconds in autocannon; a 1 ms floor keeps the ratio meaningful.
  const ratio = (a: number, b: number) => Math.max(a, 1) / Math.max(b, 1);
  report('login p50 large / small', ratio(large.login, small.login).toFixed(2), '<= 1.2', ratio(large.login, small.login) <= 1.2);
  report('/auth/me mean latency large / small', (large.me / small.me).toFixed(2), '<= 1.2', large.me / small.me <= 1.2);
}

/** 6. Signups/s on PostgreSQL with two gateway processes, then the placement invariant. */
async function signups(): Promise<void> {
  const schema = await pgSchema();
  const db = createDb({ client: 'postgres', connection: PG_URL, schema: schema.env.DATABASE_SCHEMA });
  const servers: Server[] = [];
  try {
    await migrateLatest(db);
    const now = new Date().toISOString();
    const tenant = newId();
    await db('tenants').insert({ id: tenant, slug: 'race', name: 'Race', created_at: now, updated_at: now });
    await db('plans').insert({ id: newId(), tenant_id: tenant, name: 'starter', description: '', features: '[]', price: '1', display_order: 0, active: true, created_at: now });
    for (let i = 0; i < 4; i += 1) {
      await db('shared_nodes').insert({ id: newId(), tenant_id: i < 2 ? tenant : null, hostname: `n${i}.example.com`, base_domain: 'sites.example.com', capacity: 1_000_000, used: 0, created_at: now });
    }
    servers.push(await startServer({ ...schema.env, MIGRATE_ON_START: 'false' }), await startServer({ ...schema.env, MIGRATE_ON_START: 'false' }));
    const results = await Promise.all(servers.map((server, i) => signupLoad(`${server.url}/v1/public/signup`, DURATION, 8, 'race', `p${i}`)));
    const rps = results.reduce((sum, r) => sum + r.rps, 0);
    const failures = results.reduce((sum, r) => sum + r.failures, 0);
    const nodes: Array<{ id: string; used: number }> = await db('shared_nodes').select('id', 'used');
    let consistent = true;
    for (const node of nodes) {
      const [{ n }] = await db('instances').where({ node_id: node.id }).count({ n: '*' });
      if (Number(n) !== node.used) consistent = false;
    }
    const [{ n: customers }] = await db('customers').count({ n: '*' });
    const [{ n: instances }] = await db('instances').count({ n: '*' });
    consistent &&= Number(customers) === Number(instances);
    report('signups/s on PostgreSQL, 2 processes (c=8 each)', rps.toFixed(0));
    report('signups that failed', String(failures), '0', failures === 0);
    report(`placement invariant after ${instances} signups (used = instances per node, no orphans)`, consistent ? 'holds' : 'BROKEN', 'holds', consistent);
  } finally {
    for (const server of servers) await server.stop();
    await db.destroy();
    await schema.drop();
  }
}

/** Operator accounts: login with an unknown email takes as long as with a wrong password. */
async function loginTiming(samples: number): Promise<void> {
  const config = loadConfig({ ...BASE_ENV, NODE_ENV: 'test', LOG_LEVEL: 'silent', DATABASE_URL: sqliteUrl('timing') });
  const db = createDb(config.database);
  await migrateLatest(db);
  const app = await buildApp(config, { db, sendMail: false });
  const login = (email: string, password: string) => app.inject({ method: 'POST', url: '/auth/login', payload: { email, password } });
  try {
    await app.inject({ method: 'POST', url: '/auth/register', payload: { email: 'bench@example.com', password: 'the real passphrase' } });
    for (let i = 0; i < 10; i += 1) {
      await login('bench@example.com', 'wrong passphrase');
      await login(`nobody${i}@example.com`, 'wrong passphrase');
    }
    const wrong: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < samples; i += 1) {
      // Interleaved, so drift on a shared machine hits both series alike.
      for (const [series, email] of [[wrong, 'bench@example.com'], [unknown, `ghost${i}@example.com`]] as const) {
        const start = process.hrtime.bigint();
        await login(email, 'wrong passphrase');
        series.push(Number(process.hrtime.bigint() - start) / 1e6);
      }
    }
    report('login p50, wrong password (ms, in-process)', median(wrong).toFixed(2));
    report('login p50, unknown email (ms, in-process)', median(unknown).toFixed(2));
    const ratio = median(unknown) / median(wrong);
    report('unknown-email / wrong-password median ratio', ratio.toFixed(3), '0.90 .. 1.10', ratio >= 0.9 && ratio <= 1.1);
  } finally {
    await app.close();
    await db.destroy();
  }
}

/**
 * Mail requests: forgot-password, resend-verification and customer login take as long for an
 * address with an account as for one without (CONTRACT section 3). In-process, one request at
 * a time, known and unknown shuffled together; the background worker finishes between samples
 * (a drain plus a short pause), so one sample's follow-up work never lands in the next.
 */
async function mailRequestTiming(samples: number, pg: boolean): Promise<void> {
  const engines: Array<[string, Record<string, string>, (() => Promise<void>) | undefined]> = [['SQLite', { DATABASE_URL: sqliteUrl('mail-requests') }, undefined]];
  if (pg) {
    const schema = await pgSchema();
    engines.push(['PostgreSQL', schema.env, schema.drop]);
  }
  for (const [engine, env, drop] of engines) {
    const config = loadConfig({ ...BASE_ENV, NODE_ENV: 'test', LOG_LEVEL: 'silent', MAIL_REQUESTS_PER_IP: '100000', ...env });
    const db = createDb(config.database);
    await migrateLatest(db);
    const app = await buildApp(config, { db, sendMail: false });
    try {
      const now = new Date().toISOString();
      const tenant = newId();
      const plan = newId();
      await db('tenants').insert({ id: tenant, slug: 'timing', name: 'Timing', created_at: now, updated_at: now });
      await db('plans').insert({ id: plan, tenant_id: tenant, name: 'starter', description: '', features: '[]', price: '1', display_order: 0, active: true, created_at: now });
      await db('customers').insert({ id: newId(), tenant_id: tenant, email: 'customer@example.com', email_lower: 'customer@example.com', company_name: 'Timing Co', plan_id: plan, status: 'active', created_at: now, updated_at: now, activated_at: now });
      await app.inject({ method: 'POST', url: '/auth/register', payload: { email: 'operator@example.com', password: PASSWORD } });
      const endpoints: Array<[string, (email: string) => Record<string, string>, string]> = [
        ['/auth/forgot-password', (email) => ({ email }), 'operator@example.com'],
        ['/auth/resend-verification', (email) => ({ email }), 'operator@example.com'],
        ['/v1/customer-auth/login', (email) => ({ email, tenant_slug: 'timing' }), 'customer@example.com'],
      ];
      for (const [url, body, knownEmail] of endpoints) {
        const send = async (email: string): Promise<number> => {
          const start = process.hrtime.bigint();
          const res = await app.inject({ method: 'POST', url, payload: body(email) });
          const elapsed = Number(process.hrtime.bigint() - start) / 1e6;
          if (res.statusCode !== 200) throw new Error(`${url} answered ${res.statusCode}: ${res.body}`);
          await app.mailRequests.drain();
          await new Promise((resolve) => setTimeout(resolve, KICK_DELAY_MS + 10)); // the worker's own kick too
          return elapsed;
        };
        for (let i = 0; i < 100; i += 1) await send(i % 2 === 0 ? knownEmail : `warmup${i}@example.com`);
        // Shuffled together: drift on a shared machine hits both series alike, and whatever
        // follows one request's background work is known or unknown at random. (Fixed pairs
        // would make one series follow the other's work more often.)
        const trials = Array.from({ length: 2 * samples }, (_, i) => i < samples);
        for (let i = trials.length - 1; i > 0; i -= 1) {
          const j = Math.floor(Math.random() * (i + 1));
          [trials[i], trials[j]] = [trials[j], trials[i]];
        }
        const known: number[] = [];
        const unknown: number[] = [];
        for (const [i, isKnown] of trials.entries()) {
          if (isKnown) known.push(await send(knownEmail));
          else unknown.push(await send(`ghost${i}@example.com`));
        }
        const ratio = median(unknown) / median(known);
        report(`${url} p50 known / unknown address (ms, ${engine}, ${samples} each)`, `${median(known).toFixed(2)} / ${median(unknown).toFixed(2)}`);
        report(`${url} unknown / known median ratio (${engine})`, ratio.toFixed(3), '0.90 .. 1.10', ratio >= 0.9 && ratio <= 1.1);
      }
      const [{ n }] = await db('mail_requests').count({ n: '*' });
      if (Number(n) !== 0) throw new Error(`${n} mail requests left unresolved on ${engine}`);
    } finally {
      await app.close();
      await db.destroy();
      await drop?.();
    }
  }
}

/** The limits table's defaults, undoing BASE_ENV's raised per-IP budgets for one server. */
const DEFAULT_LIMITS_ENV: Record<string, string> = Object.fromEntries(
  Object.values(LIMITS).flatMap((spec): Array<[string, string]> =>
    spec.windowEnv === undefined ? [[spec.env, String(spec.limit)]] : [[spec.env, String(spec.limit)], [spec.windowEnv, String(spec.windowSeconds)]],
  ),
);

const gql = async (server: Server, query: string, headers: Record<string, string>): Promise<Record<string, any>> => {
  const res = await postJson(`${server.url}/graphql`, { query }, headers);
  if (!res.json.data) throw new Error(`${query}: ${JSON.stringify(res.json)}`);
  return res.json.data as Record<string, any>;
};

/** 40 parallel wrong passwords at one address: how many answered 401 (were checked) and 429. */
async function parallelGuesses(servers: Server[], email: string): Promise<{ checked: number; refused: number }> {
  const results = await Promise.all(Array.from({ length: 40 }, (_, i) => postJson(`${servers[i % servers.length].url}/auth/login`, { email, password: `guess ${i}` })));
  return { checked: results.filter((r) => r.status === 401).length, refused: results.filter((r) => r.status === 429).length };
}

/**
 * 8. Issue 13 at the default configuration (every limit at its default, nothing raised): a
 * 60 req/s API-key integration for 20 s and a 100 req/s signed-in dashboard for 10 s get no
 * 429 from one IP; 40 parallel guesses at one address check at most 10 passwords (SQLite, and
 * two processes on PostgreSQL with Redis); stuffing over 100 addresses is stopped.
 */
async function abuseLimits(pg: boolean): Promise<void> {
  const env = { DATABASE_URL: sqliteUrl('abuse') };
  const server = await startServer({ ...DEFAULT_LIMITS_ENV, ...env, ARGON2_MEMORY_KIB: '19456' });
  try {
    const { auth: admin, instance, key } = await seedForLoad(server, env);
    const integration = await cannon(`${server.url}/v1/instances/${instance}/pin-policy`, { connections: 4, seconds: 20, rate: 60, headers: { 'x-api-key': key } });
    report('API-key integration, 60 req/s for 20 s from one IP (requests / non-2xx)', `${integration.total} / ${integration.non2xx}`, 'no 429', integration.non2xx === 0 && integration.total >= 1100);
    const dashboard = await cannon(`${server.url}/auth/me`, { connections: 8, seconds: 10, rate: 100, headers: admin });
    report('signed-in dashboard, 100 req/s for 10 s from one IP (requests / non-2xx)', `${dashboard.total} / ${dashboard.non2xx}`, 'no 429', dashboard.non2xx === 0 && dashboard.total >= 950);
    // The same IP is not locked out of anything meanwhile.
    const after = await postJson(`${server.url}/auth/login`, { email: 'root@example.com', password: PASSWORD });
    report('login from that IP right after (status)', String(after.status), '200', after.status === 200);

    await postJson(`${server.url}/auth/register`, { email: 'victim@example.com', password: PASSWORD });
    const guesses = await parallelGuesses([server], 'victim@example.com');
    report('40 parallel wrong passwords, one address (SQLite): checked / refused', `${guesses.checked} / ${guesses.refused}`, 'checked <= 10', guesses.checked <= 10);
    const stuffing: number[] = [];
    for (let i = 0; i < 100; i += 1) stuffing.push((await postJson(`${server.url}/auth/login`, { email: `user${i}@example.com`, password: 'Winter2026!' })).status);
    const checked = stuffing.filter((s) => s === 401).length;
    // The same IP already spent `guesses.checked` failures of its budget just above.
    const budget = LIMITS.loginFailuresPerIp.limit - guesses.checked;
    report(`credential stuffing, 100 addresses from that IP (${guesses.checked} failures already counted): checked / refused`, `${checked} / ${stuffing.filter((s) => s === 429).length}`, `checked <= ${budget}`, checked <= budget);
  } finally {
    await server.stop();
  }
  if (!pg) return;
  const schema = await pgSchema();
  const shared = { ...DEFAULT_LIMITS_ENV, ...schema.env, REDIS_URL, REDIS_PREFIX: `bench-${randomBytes(4).toString('hex')}:` };
  const first = await startServer(shared);
  const second = await startServer({ ...shared, MIGRATE_ON_START: 'false' });
  try {
    await postJson(`${first.url}/auth/register`, { email: 'victim@example.com', password: PASSWORD });
    const guesses = await parallelGuesses([first, second], 'victim@example.com');
    report('40 parallel wrong passwords, one address, 2 processes on PostgreSQL + Redis: checked / refused', `${guesses.checked} / ${guesses.refused}`, 'checked <= 10', guesses.checked <= 10);
  } finally {
    await first.stop();
    await second.stop();
    await schema.drop();
  }
}

async function main(): Promise<void> {
  const started = Date.now();
  const pg = await pgAvailable();
  let sections: Array<[string, () => Promise<unknown>]> = [];
  sections.push(['Hot path against its reference', () => hotPath(pg)]);
  sections.push(['Event loop under a login storm', loginStorm]);
  sections.push(['Login at the hashing limit', loginAtHashingLimit]);
  sections.push(['Refresh', () => refreshes(pg)]);
  sections.push(['Login timing (no enumeration)', () => loginTiming(Number(process.env.BENCH_LOGIN_SAMPLES ?? 200))]);
  sections.push(['Mail request timing (no enumeration)', () => mailRequestTiming(Number(process.env.BENCH_MAIL_REQUEST_SAMPLES ?? 400), pg)]);
  sections.push(['Scale with data', scaleWithData]);
  if (pg) sections.push(['Signup with two processes', signups]);
  sections.push(['Abuse limits at the default configuration', () => abuseLimits(pg)]);
  // BENCH_ONLY=overhead,refresh runs some sections while developing (the overhead section is
  // kept when refresh runs: refresh ratios need its bare route figure). A partial run rewrites
  // only its own sections of results.md and adds a dated line saying so.
  const only = process.env.BENCH_ONLY?.split(',').map((w) => w.trim().toLowerCase());
  if (only) {
    const chosen = (title: string) => only.some((word) => title.toLowerCase().includes(word));
    sections = sections.filter(([title]) => chosen(title));
  }
  const markdown: string[] = [];
  for (const [title, run] of sections) {
    const before = rows.length;
    process.stdout.write(`== ${title}\n`);
    await run();
    markdown.push(`## ${title}\n\n| figure | value | target | pass |\n|---|---|---|---|\n${rows
      .slice(before)
      .map((r) => `| ${r.figure} | ${r.value} | ${r.target} | ${r.pass === null ? '' : r.pass ? 'pass' : 'FAIL'} |`)
      .join('\n')}\n`);
  }
  if (!pg) markdown.push('PostgreSQL was not reachable: the PostgreSQL refresh and signup figures were not measured.\n');
  const resultsFile = path.join(ROOT, 'bench', 'results.md');
  if (only && fs.existsSync(resultsFile)) {
    const [head, ...parts] = fs.readFileSync(resultsFile, 'utf8').split(/^(?=## )/m);
    const titleOf = (part: string) => part.slice(3, part.indexOf('\n'));
    const merged = new Map(parts.map((part) => [titleOf(part), part.trimEnd()]));
    for (const part of markdown) merged.set(titleOf(part), part.trimEnd());
    const hotConfigs = process.env.BENCH_HOT_CONFIGS ? `, BENCH_HOT_CONFIGS=${process.env.BENCH_HOT_CONFIGS}` : '';
    const note = `Partial run ${new Date(started).toISOString()} (BENCH_ONLY=${process.env.BENCH_ONLY}${hotConfigs}): only ${sections.map(([title]) => `"${title}"`).join(', ')} re-measured; the other sections are from the run above.\n\n`;
    fs.writeFileSync(resultsFile, `${head.trimEnd()}\n\n${note}${[...merged.values()].join('\n\n')}\n`);
    fs.rmSync(tmp, { recursive: true, force: true });
    process.stdout.write(`\nmerged into bench/results.md\n`);
    if (rows.some((r) => r.pass === false)) process.exitCode = 1;
    return;
  }
  const header = `# Benchmark results\n\nRun ${new Date(started).toISOString()} on ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? 'unknown'}), Node ${process.version}, in ${((Date.now() - started) / 1000).toFixed(0)} s. Servers and load generators (autocannon, and a refresh client) run as separate processes on this machine; each run lasts ${DURATION} s after a warm-up.\n\n`;
  fs.writeFileSync(resultsFile, header + markdown.join('\n'));
  fs.rmSync(tmp, { recursive: true, force: true });
  process.stdout.write(`\nwritten to bench/results.md\n`);
  if (rows.some((r) => r.pass === false)) process.exitCode = 1;
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
