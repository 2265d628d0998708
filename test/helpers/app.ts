import type { FastifyInstance } from 'fastify';
import { buildApp, type AppOptions } from '../../src/app';
import { loadConfig, type Config } from '../../src/config';
import { createDb, migrateLatest, type Db } from '../../src/db/knex';
import { ManualClock } from '../../src/lib/clock';
import { createTestDatabase, type TestDatabase } from './db';
import { MemoryTransport } from './mail';

export interface TestApp {
  app: FastifyInstance;
  db: Db;
  config: Config;
  clock: ManualClock;
  mail: MemoryTransport;
  close(): Promise<void>;
}

/** Test settings: cheap argon2 through config (not by mocking), a fixed JWT secret. */
export function testConfig(env: Record<string, string> = {}): Config {
  return loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    // Tests read the captured log as JSON lines, whatever terminal jest runs in.
    LOG_FORMAT: 'json',
    JWT_SECRET: 'test-secret-test-secret-test-secret-0123456789',
    ARGON2_MEMORY_KIB: '1024',
    ARGON2_TIME_COST: '1',
    PUBLIC_URL: 'https://id.hydracore.test',
    // Tests share 127.0.0.1 and a hand-moved clock: the per-IP limits are raised here and
    // attacked at their defaults in tests of their own (test/hardening/abuse-limits.test.ts).
    RATE_LIMIT_PER_IP: '1000000',
    REGISTRATIONS_PER_IP: '1000000',
    LOGIN_FAILURES_PER_IP: '1000000',
    SIGNUPS_PER_IP: '1000000',
    SIGNUP_MAILS_PER_ADDRESS: '1000000',
    ...env,
  });
}

/** A gateway on a fresh database of the engine under test, with a hand-moved clock. */
export async function startTestApp(env: Record<string, string> = {}, logStream?: NodeJS.WritableStream, options: AppOptions = {}): Promise<TestApp> {
  const database: TestDatabase = await createTestDatabase();
  const configured = testConfig(env);
  const config: Config = { ...configured, database: { ...database.config, authCache: configured.database.authCache } };
  const db = createDb(database.config);
  await migrateLatest(db);
  const clock = new ManualClock(new Date('2026-11-21T12:00:00.000Z'));
  const mail = new MemoryTransport();
  // Background work runs when a test says so: `app.mailSender.drain()`, `app.webhookSender.drain()`, `app.mailRequests.drain()`
  // (the mail helpers in ./auth drain the mail requests before they read the outbox), and
  // `app.services.hot.lastUse.flush()` for last use.
  const app = await buildApp(config, { db, clock, mailTransport: mail, sendMail: false, sendWebhooks: false, resolveMailRequests: false, lastUseFlushMs: 0, logStream, ...options });
  await app.ready();
  return {
    app,
    db,
    config,
    clock,
    mail,
    close: async () => {
      await app.close();
      await db.destroy();
      await database.drop();
    },
  };
}
