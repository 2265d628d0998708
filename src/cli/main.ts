#!/usr/bin/env node
import 'reflect-metadata';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { ConfigError, loadConfig } from '../config';
import { loadDotEnv } from '../env-file';
import { createDb, migrateLatest, type Db } from '../db/knex';
import { buildGatewaySchema } from '../graphql/schema';
import { systemClock } from '../lib/clock';
import { createServices, systemContext } from '../services';
import { ADD_SHARED_NODE, CREATE_ADMIN, CREATE_API_KEY, CREATE_INSTANCE, CREATE_PLAN, CREATE_TENANT, RETRY_FAILED_MAIL } from './operations';
import { OperationError, runOperation } from './run-operation';

const USAGE = `Usage: hydracore <command> [options]

Commands:
  migrate                                   apply pending database migrations
  admin create --email E --password P       create a verified platform administrator
  tenant create --slug S --name N           create a tenant
  plan create --tenant S --name N --price P [--description D] [--feature F ...]
              [--order N] [--inactive]      add a plan to a tenant
  node add --hostname H --base-domain D --capacity N [--tenant S]
                                            add a shared node (no tenant: global pool)
  instance create --tenant S --slug S [--node HOSTNAME]
                                            create a site, placed on a shared node
  apikey create --tenant S [--name N]       create a tenant API key (printed once)
  mail retry                                put parked (failed) mail that has not expired
                                            back in line, due now; prints how many
  demo                                      seed tenant "demo" with plans starter and pro
                                            and a shared node (safe to run again)

Every command reads the same environment as the server (DATABASE_URL, ...).`;

type Run = (operation: string, variables?: Record<string, unknown>) => Promise<Record<string, unknown>>;

const OPTIONS = {
  slug: { type: 'string' },
  name: { type: 'string' },
  tenant: { type: 'string' },
  price: { type: 'string' },
  description: { type: 'string' },
  feature: { type: 'string', multiple: true },
  order: { type: 'string' },
  inactive: { type: 'boolean' },
  hostname: { type: 'string' },
  'base-domain': { type: 'string' },
  capacity: { type: 'string' },
  node: { type: 'string' },
  email: { type: 'string' },
  password: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

class UsageError extends Error {}

function required(values: Record<string, unknown>, name: string): string {
  const value = values[name];
  if (typeof value !== 'string' || value === '') throw new UsageError(`--${name} is required`);
  return value;
}

function optionalInt(values: Record<string, unknown>, name: string): number | undefined {
  const value = values[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !/^\d+$/.test(value)) throw new UsageError(`--${name} must be a whole number`);
  return Number(value);
}

/** Creates, or keeps when it already exists (the demo is safe to run twice). */
async function ensure(run: Run, operation: string, input: Record<string, unknown>, takenCode: string): Promise<unknown> {
  try {
    return await run(operation, { input });
  } catch (error) {
    if (error instanceof OperationError && error.code === takenCode) return 'exists';
    throw error;
  }
}

async function seedDemo(run: Run): Promise<Record<string, unknown>> {
  const tenant = await ensure(run, CREATE_TENANT, { slug: 'demo', name: 'Demo Hosting' }, 'TENANT_SLUG_TAKEN');
  const starter = await ensure(
    run,
    CREATE_PLAN,
    {
      tenantSlug: 'demo',
      name: 'starter',
      price: '9.99',
      description: 'One site on shared hosting',
      features: ['1 site', '10 GB storage', 'Free TLS certificate'],
      displayOrder: 1,
    },
    'PLAN_NAME_TAKEN',
  );
  const pro = await ensure(
    run,
    CREATE_PLAN,
    {
      tenantSlug: 'demo',
      name: 'pro',
      price: '29.99',
      description: 'For growing businesses',
      features: ['5 sites', '100 GB storage', 'Free TLS certificate', 'Daily backups'],
      displayOrder: 2,
    },
    'PLAN_NAME_TAKEN',
  );
  const node = await ensure(
    run,
    ADD_SHARED_NODE,
    { hostname: 'node-1.demo.hydracore.example', baseDomain: 'demo.hydracore.example', capacity: 100, tenantSlug: 'demo' },
    'NODE_HOSTNAME_TAKEN',
  );
  return { tenant, plans: { starter, pro }, node };
}

async function dispatch(positionals: string[], values: Record<string, unknown>, run: Run, db: Db): Promise<unknown> {
  const command = positionals.join(' ');
  switch (command) {
    case 'migrate':
      return { applied: await migrateLatest(db) };
    case 'admin create':
      return run(CREATE_ADMIN, { input: { email: required(values, 'email'), password: required(values, 'password') } });
    case 'tenant create':
      return run(CREATE_TENANT, { input: { slug: required(values, 'slug'), name: required(values, 'name') } });
    case 'plan create':
      return run(CREATE_PLAN, {
        input: {
          tenantSlug: required(values, 'tenant'),
          name: required(values, 'name'),
          price: required(values, 'price'),
          description: values.description,
          features: values.feature,
          displayOrder: optionalInt(values, 'order'),
          active: values.inactive === true ? false : undefined,
        },
      });
    case 'node add':
      return run(ADD_SHARED_NODE, {
        input: {
          hostname: required(values, 'hostname'),
          baseDomain: required(values, 'base-domain'),
          capacity: optionalInt(values, 'capacity') ?? required(values, 'capacity'),
          tenantSlug: values.tenant,
        },
      });
    case 'instance create':
      return run(CREATE_INSTANCE, {
        input: { tenantSlug: required(values, 'tenant'), slug: required(values, 'slug'), nodeHostname: values.node },
      });
    case 'apikey create':
      return run(CREATE_API_KEY, { input: { tenantSlug: required(values, 'tenant'), name: values.name } });
    case 'mail retry':
      return run(RETRY_FAILED_MAIL);
    case 'demo':
      return seedDemo(run);
    default:
      throw new UsageError(command === '' ? 'a command is required' : `unknown command "${command}"`);
  }
}

export async function cli(argv: string[], out: (text: string) => void, err: (text: string) => void): Promise<number> {
  let parsed: { values: Record<string, unknown>; positionals: string[] };
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    err(`${(error as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  if (parsed.values.help || parsed.positionals.length === 0 || parsed.positionals[0] === 'help') {
    out(`${USAGE}\n`);
    return parsed.positionals.length === 0 && !parsed.values.help ? 2 : 0;
  }

  const config = loadConfig();
  const db = createDb(config.database);
  try {
    await migrateLatest(db);
    const schema = buildGatewaySchema();
    const log = pino({ level: config.logLevel === 'silent' ? 'silent' : 'warn' });
    const context = systemContext(createServices(config, db, systemClock, log));
    const run: Run = (operation, variables) => runOperation(schema, context, operation, variables);
    const result = await dispatch(parsed.positionals, parsed.values, run, db);
    out(`${JSON.stringify(result, null, 2)}\n`);
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      err(`${error.message}\n\n${USAGE}\n`);
      return 2;
    }
    if (error instanceof OperationError) {
      const detail = error.detail === undefined ? '' : `\n${JSON.stringify(error.detail, null, 2)}`;
      err(`${error.code ?? 'ERROR'}: ${error.message}${detail}\n`);
      return 1;
    }
    throw error;
  } finally {
    await db.destroy();
  }
}

if (require.main === module) {
  loadDotEnv();
  cli(process.argv.slice(2), (t) => process.stdout.write(t), (t) => process.stderr.write(t)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      if (error instanceof ConfigError) process.stderr.write(`${error.message}\n`);
      else process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(1);
    },
  );
}
