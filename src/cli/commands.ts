import { CUSTOMER_STATUSES } from '../modules/customer-auth/customer.model';
import { AddSharedNodeInput, CreateInstanceInput, CreatePlanInput, CustomerListInput } from '../modules/tenancy/tenancy.inputs';
import { CreateApiKeyInput } from '../modules/api-keys/api-key.inputs';
import { MemberRole } from '../modules/tenancy/member-role';
import type { CommandSpec, OptionSpec, Run } from './command';
import { DATABASE_COMMANDS } from './database-commands';
import * as op from './operations';
import { OperationError } from './run-operation';
import { indent, plural, table, when } from './output';
import { readNewPassword } from './prompt';

/**
 * The `hydracore` commands: one table from which the help, each command's usage, parsing and
 * dispatch are all derived (./args.ts, ./main.ts). Each command below runs one GraphQL
 * operation (./operations.ts) as the platform and turns its answer into a line or a table for
 * people, or returns it as is for `--json`; the database commands are in ./database-commands.ts.
 */

// ---------------------------------------------------------------------------------------
// What the operations answer (the selections in ./operations.ts)
// ---------------------------------------------------------------------------------------

interface Tenant { id: string; slug: string; name: string; createdAt: string }
interface Operator { id: string; email: string; emailVerified: boolean; isAdmin: boolean; createdAt: string }
interface Plan { id: string; name: string; price: string; displayOrder: number; active: boolean }
interface Node { id: string; tenantId: string | null; hostname: string; baseDomain: string; capacity: number; used: number; free: number }
interface Instance { id: string; slug: string; siteUrl: string; status: string }
interface Membership { userId: string; email: string; role: string }
interface ApiKey { id: string; name: string; prefix: string; requestsPerMinute: number | null; createdAt: string; lastUsedAt: string | null; revokedAt: string | null }
interface Customer { id: string; email: string; companyName: string; plan: string; status: string; siteUrl: string | null; createdAt: string }
interface CustomerPage { nodes: Customer[]; endCursor: string | null; hasNextPage: boolean }

/** Runs the operation and returns its one root field. */
async function field<T>(run: Run, operation: string, name: string, variables?: Record<string, unknown>): Promise<T> {
  return (await run(operation, variables))[name] as T;
}

// ---------------------------------------------------------------------------------------
// Options several commands share
// ---------------------------------------------------------------------------------------

const tenant = (help = 'the tenant, by slug'): OptionSpec => ({ name: 'tenant', kind: 'string', metavar: 'SLUG', required: true, help, field: 'tenantSlug' });
const email = (help: string): OptionSpec => ({ name: 'email', kind: 'string', metavar: 'EMAIL', required: true, help, field: 'email' });
const id = (what: string, list: string): OptionSpec => ({ name: 'id', kind: 'string', metavar: 'ID', required: true, help: `the ${what}'s id (\`hydracore ${list}\` shows it)`, field: 'id' });


// ---------------------------------------------------------------------------------------
// The demo
// ---------------------------------------------------------------------------------------

type Seeded = 'created' | 'exists';

/** Creates, or keeps when it already exists (the demo is safe to run twice). */
async function ensure(run: Run, operation: string, input: Record<string, unknown>, takenCode: string): Promise<Seeded> {
  try {
    await run(operation, { input });
    return 'created';
  } catch (error) {
    if (error instanceof OperationError && error.code === takenCode) return 'exists';
    throw error;
  }
}

const DEMO_NODE = 'node-1.demo.hydracore.example';

async function seedDemo(run: Run): Promise<{ tenant: Seeded; plans: { starter: Seeded; pro: Seeded }; node: Seeded }> {
  const tenant = await ensure(run, op.CREATE_TENANT, { slug: 'demo', name: 'Demo Hosting' }, 'TENANT_SLUG_TAKEN');
  const starter = await ensure(
    run,
    op.CREATE_PLAN,
    { tenantSlug: 'demo', name: 'starter', price: '9.99', description: 'One site on shared hosting', features: ['1 site', '10 GB storage', 'Free TLS certificate'], displayOrder: 1 },
    'PLAN_NAME_TAKEN',
  );
  const pro = await ensure(
    run,
    op.CREATE_PLAN,
    { tenantSlug: 'demo', name: 'pro', price: '29.99', description: 'For growing businesses', features: ['5 sites', '100 GB storage', 'Free TLS certificate', 'Daily backups'], displayOrder: 2 },
    'PLAN_NAME_TAKEN',
  );
  const node = await ensure(run, op.ADD_SHARED_NODE, { hostname: DEMO_NODE, baseDomain: 'demo.hydracore.example', capacity: 100, tenantSlug: 'demo' }, 'NODE_HOSTNAME_TAKEN');
  return { tenant, plans: { starter, pro }, node };
}

// ---------------------------------------------------------------------------------------
// The commands, in the order the help lists them
// ---------------------------------------------------------------------------------------

export const COMMANDS: readonly CommandSpec[] = [
  ...DATABASE_COMMANDS,
  {
    name: 'admin create',
    section: 'Platform administrators',
    summary: 'create a verified platform administrator (password prompted or on stdin)',
    details: [
      'On a terminal the password is asked twice, without echo. From a script, pipe it in:',
      '`--password-stdin` reads the first line of stdin. A password on the command line (--password)',
      "is refused: other users see it in `ps`, and it stays in the shell's history.",
    ],
    options: [
      email('their email address'),
      { name: 'password-stdin', kind: 'flag', help: 'read the password from the first line of stdin' },
      { name: 'password', kind: 'string', help: '', refused: 'a password on the command line is visible to other users (ps) and stays in shell history; type it at the prompt, or pipe it in with --password-stdin' },
    ],
    fieldLabels: { password: 'password' },
    examples: ['hydracore admin create --email root@example.com', "printf '%s\\n' \"$ADMIN_PASSWORD\" | hydracore admin create --email root@example.com --password-stdin"],
    async run({ run, options, io }) {
      const address = options.email as string;
      const password = await readNewPassword(io, options['password-stdin'] === true, address);
      const admin = await field<Operator>(run, op.CREATE_ADMIN, 'createAdmin', { input: { email: address, password } });
      return { data: admin, text: `Created platform admin ${admin.email} (id ${admin.id}). They sign in with their email and this password.` };
    },
  },
  {
    name: 'admin promote',
    section: 'Platform administrators',
    summary: 'make an existing operator a platform administrator',
    options: [email('the operator (an existing account)')],
    examples: ['hydracore admin promote --email ada@example.com'],
    async run({ run, options }) {
      const admin = await field<Operator>(run, op.PROMOTE_ADMIN, 'promoteAdmin', { input: { email: options.email } });
      const unverified = admin.emailVerified ? '' : '\nTheir email is not verified yet: they act as an admin once they verify it.';
      return { data: admin, text: `${admin.email} is a platform admin (id ${admin.id}).${unverified}` };
    },
  },
  {
    name: 'operator reset-factors',
    section: 'Platform administrators',
    summary: "remove an operator's second factors (TOTP, recovery codes, passkeys) and end their sessions",
    options: [email('the operator who lost their factors (make sure out of band that it is them)')],
    examples: ['hydracore operator reset-factors --email ada@example.com'],
    async run({ run, options }) {
      await field<boolean>(run, op.RESET_OPERATOR_FACTORS, 'resetOperatorFactors', { input: { email: options.email } });
      return { data: { email: options.email, reset: true }, text: `${options.email}: second factors removed and every session ended. They sign in with their password and enroll again.` };
    },
  },
  {
    name: 'admin list',
    section: 'Platform administrators',
    summary: 'list the platform administrators',
    options: [],
    examples: ['hydracore admin list'],
    async run({ run }) {
      const admins = await field<Operator[]>(run, op.ADMINS, 'admins');
      const text = table(admins, [['email', (a) => a.email], ['verified', (a) => (a.emailVerified ? 'yes' : 'no')], ['created', (a) => when(a.createdAt)], ['id', (a) => a.id]], 'No platform admins yet: `hydracore admin create --email EMAIL` makes one.');
      return { data: admins, text };
    },
  },
  {
    name: 'tenant create',
    section: 'Tenants',
    summary: 'create a tenant (a hosting brand)',
    options: [
      { name: 'slug', kind: 'string', metavar: 'SLUG', required: true, help: 'URL-safe identifier: lower-case letters, digits and inner hyphens', field: 'slug' },
      { name: 'name', kind: 'string', metavar: 'NAME', required: true, help: 'display name', field: 'name' },
    ],
    examples: ['hydracore tenant create --slug acme --name "Acme Hosting"'],
    async run({ run, options }) {
      const created = await field<Tenant>(run, op.CREATE_TENANT, 'createTenant', { input: { slug: options.slug, name: options.name } });
      return { data: created, text: `Created tenant ${created.slug} (${JSON.stringify(created.name)}), id ${created.id}.` };
    },
  },
  {
    name: 'tenant list',
    section: 'Tenants',
    summary: 'list the tenants',
    options: [],
    examples: ['hydracore tenant list', 'hydracore tenant list --json'],
    async run({ run }) {
      const tenants = await field<Tenant[]>(run, op.TENANTS, 'tenants');
      const text = table(tenants, [['slug', (t) => t.slug], ['name', (t) => t.name], ['created', (t) => when(t.createdAt)], ['id', (t) => t.id]], 'No tenants yet: `hydracore tenant create` makes one (or `hydracore demo`).');
      return { data: tenants, text };
    },
  },
  {
    name: 'plan create',
    section: 'Tenants',
    summary: 'add a plan to a tenant (shown on its public signup page)',
    input: CreatePlanInput,
    options: [
      tenant(),
      { name: 'name', kind: 'string', metavar: 'NAME', required: true, help: 'the plan name customers sign up with', field: 'name' },
      { name: 'price', kind: 'string', metavar: 'AMOUNT', required: true, help: 'display price: digits, at most two decimals (9.99)', field: 'price' },
      { name: 'description', kind: 'string', metavar: 'TEXT', help: 'one line about it', field: 'description' },
      { name: 'feature', kind: 'list', metavar: 'TEXT', help: 'a feature (repeat for several)', field: 'features' },
      { name: 'order', kind: 'int', metavar: 'N', help: 'display order, ascending (default 0)', field: 'displayOrder' },
      { name: 'inactive', kind: 'flag', help: 'not on sale (hidden from the signup page)', field: 'active' },
    ],
    examples: ['hydracore plan create --tenant acme --name starter --price 9.99 --feature "1 site" --feature "Free TLS" --order 1'],
    async run({ run, options }) {
      const input = {
        tenantSlug: options.tenant,
        name: options.name,
        price: options.price,
        description: options.description,
        features: options.feature,
        displayOrder: options.order,
        active: options.inactive === true ? false : undefined,
      };
      const plan = await field<Plan>(run, op.CREATE_PLAN, 'createPlan', { input });
      return { data: plan, text: `Created plan ${plan.name} of ${options.tenant}: ${plan.price}, display order ${plan.displayOrder}, ${plan.active ? 'on sale' : 'inactive'} (id ${plan.id}).` };
    },
  },
  {
    name: 'node add',
    section: 'Tenants',
    summary: "add a shared hosting node to a tenant, or to the global pool (no --tenant)",
    input: AddSharedNodeInput,
    options: [
      { name: 'hostname', kind: 'string', metavar: 'HOST', required: true, help: "the node's DNS name", field: 'hostname' },
      { name: 'base-domain', kind: 'string', metavar: 'DOMAIN', required: true, help: 'its sites are served at https://<site>.DOMAIN', field: 'baseDomain' },
      { name: 'capacity', kind: 'int', metavar: 'N', required: true, help: 'how many sites it takes', field: 'capacity' },
      { ...tenant('the owning tenant (default: the global pool, shared by every tenant)'), required: false },
    ],
    examples: ['hydracore node add --hostname n1.acme.example --base-domain sites.acme.example --capacity 100 --tenant acme'],
    async run({ run, options }) {
      const node = await field<Node>(run, op.ADD_SHARED_NODE, 'addSharedNode', {
        input: { hostname: options.hostname, baseDomain: options['base-domain'], capacity: options.capacity, tenantSlug: options.tenant },
      });
      const owner = options.tenant ? `for ${options.tenant}` : 'to the global pool';
      return { data: node, text: `Added shared node ${node.hostname} ${owner}: capacity ${node.capacity}, sites at https://<site>.${node.baseDomain} (id ${node.id}).` };
    },
  },
  {
    name: 'instance create',
    section: 'Tenants',
    summary: 'create a site, placed on the shared node with the most free capacity (or --node)',
    input: CreateInstanceInput,
    options: [
      tenant(),
      { name: 'slug', kind: 'string', metavar: 'SITE', required: true, help: 'the site slug (made unique if taken)', field: 'slug' },
      { name: 'node', kind: 'string', metavar: 'HOST', help: 'place it on this node', field: 'nodeHostname' },
    ],
    examples: ['hydracore instance create --tenant acme --slug shop'],
    async run({ run, options }) {
      const instance = await field<Instance>(run, op.CREATE_INSTANCE, 'createInstance', { input: { tenantSlug: options.tenant, slug: options.slug, nodeHostname: options.node } });
      return { data: instance, text: `Created site ${instance.slug} of ${options.tenant}: ${instance.siteUrl} (${instance.status}, id ${instance.id}).` };
    },
  },
  {
    name: 'member add',
    section: 'Tenants',
    summary: "give an operator a role in a tenant (adds them, or changes their role)",
    details: ['The operator needs an account (they register at /auth/register). A tenant keeps at least one owner.'],
    options: [tenant(), email('the operator'), { name: 'role', kind: 'string', metavar: 'ROLE', required: true, help: 'owner holds the tenant, admin runs it, member reads', choices: Object.values(MemberRole), field: 'role' }],
    examples: ['hydracore member add --tenant acme --email ada@example.com --role owner'],
    async run({ run, options }) {
      const member = await field<Membership>(run, op.SET_MEMBER, 'setMember', { input: { tenantSlug: options.tenant, email: options.email, role: options.role } });
      return { data: member, text: `${member.email} is ${member.role} of ${options.tenant}.` };
    },
  },
  {
    name: 'member remove',
    section: 'Tenants',
    summary: 'take an operator out of a tenant',
    options: [tenant(), email('the operator')],
    examples: ['hydracore member remove --tenant acme --email ada@example.com'],
    async run({ run, options }) {
      await run(op.REMOVE_MEMBER, { input: { tenantSlug: options.tenant, email: options.email } });
      return { data: { tenant: options.tenant, email: options.email, removed: true }, text: `Removed ${options.email} from ${options.tenant}.` };
    },
  },
  {
    name: 'member list',
    section: 'Tenants',
    summary: "list a tenant's operators and their roles",
    options: [tenant()],
    examples: ['hydracore member list --tenant acme'],
    async run({ run, options }) {
      const members = await field<Membership[]>(run, op.MEMBERS, 'members', { tenantSlug: options.tenant });
      const text = table(members, [['email', (m) => m.email], ['role', (m) => m.role], ['user id', (m) => m.userId]], `${options.tenant} has no members yet: \`hydracore member add\` adds one.`);
      return { data: members, text };
    },
  },
  {
    name: 'apikey create',
    section: 'Tenants',
    summary: 'create a tenant API key (X-Api-Key); the key is printed this once',
    input: CreateApiKeyInput,
    options: [
      tenant(),
      { name: 'name', kind: 'string', metavar: 'NAME', help: 'what it is for (default "default")', field: 'name' },
      { name: 'requests-per-minute', kind: 'int', metavar: 'N', help: 'its own request budget (default: API_KEY_REQUESTS_PER_MINUTE)', field: 'requestsPerMinute' },
    ],
    examples: ['hydracore apikey create --tenant acme --name deploy-bot', "KEY=$(hydracore apikey create --tenant acme --json | node -pe 'JSON.parse(require(\"fs\").readFileSync(0)).key')"],
    async run({ run, options }) {
      const created = await field<{ key: string; apiKey: ApiKey }>(run, op.CREATE_API_KEY, 'createApiKey', {
        input: { tenantSlug: options.tenant, name: options.name, requestsPerMinute: options['requests-per-minute'] },
      });
      const { apiKey } = created;
      const text = [
        `Created API key ${JSON.stringify(apiKey.name)} for ${options.tenant} (id ${apiKey.id}, prefix ${apiKey.prefix}):`,
        '',
        `    ${created.key}`,
        '',
        'Copy it now: it will not be shown again (only a hash is stored). Callers send it as X-Api-Key.',
      ].join('\n');
      return { data: created, text };
    },
  },
  {
    name: 'apikey list',
    section: 'Tenants',
    summary: "list a tenant's API keys (prefix, name, dates; never the keys)",
    options: [tenant()],
    examples: ['hydracore apikey list --tenant acme'],
    async run({ run, options }) {
      const keys = await field<ApiKey[]>(run, op.API_KEYS, 'apiKeys', { tenantSlug: options.tenant });
      const text = table(
        keys,
        [['prefix', (k) => k.prefix], ['name', (k) => k.name], ['created', (k) => when(k.createdAt)], ['last used', (k) => when(k.lastUsedAt)], ['revoked', (k) => when(k.revokedAt)], ['id', (k) => k.id]],
        `${options.tenant} has no API keys.`,
      );
      return { data: keys, text };
    },
  },
  {
    name: 'apikey revoke',
    section: 'Tenants',
    summary: 'revoke an API key at once',
    options: [id('key', 'apikey list --tenant SLUG')],
    examples: ['hydracore apikey revoke --id 0b9f3c1e-...'],
    async run({ run, options }) {
      const key = await field<ApiKey>(run, op.REVOKE_API_KEY, 'revokeApiKey', { id: options.id });
      return { data: key, text: `Revoked API key ${JSON.stringify(key.name)} (${key.prefix}) at ${when(key.revokedAt)}: requests with it are refused.` };
    },
  },
  {
    name: 'customer list',
    section: 'Customers',
    summary: "list a tenant's customers, newest first, a page at a time",
    input: CustomerListInput,
    options: [
      tenant(),
      { name: 'status', kind: 'string', metavar: 'STATUS', help: 'only customers in this status', choices: CUSTOMER_STATUSES, field: 'status' },
      { name: 'first', kind: 'int', metavar: 'N', help: 'page size (default 50)', field: 'first' },
      { name: 'after', kind: 'string', metavar: 'CURSOR', help: 'the page after this one (the cursor the previous page printed)', field: 'after' },
    ],
    examples: ['hydracore customer list --tenant acme --status suspended'],
    async run({ run, options }) {
      const page = await field<CustomerPage>(run, op.CUSTOMERS, 'customers', { input: { tenantSlug: options.tenant, status: options.status, first: options.first, after: options.after } });
      const rows = table(
        page.nodes,
        [['email', (c) => c.email], ['company', (c) => c.companyName], ['plan', (c) => c.plan], ['status', (c) => c.status], ['created', (c) => when(c.createdAt)], ['site', (c) => c.siteUrl], ['id', (c) => c.id]],
        'No customers.',
      );
      const more = page.hasNextPage ? `\nMore: hydracore customer list --tenant ${options.tenant}${options.status ? ` --status ${options.status}` : ''} --after ${page.endCursor}` : '';
      return { data: page, text: rows + more };
    },
  },
  {
    name: 'customer suspend',
    section: 'Customers',
    summary: 'suspend a customer: their sessions end and they cannot sign in',
    options: [id('customer', 'customer list --tenant SLUG')],
    examples: ['hydracore customer suspend --id 5d1c...'],
    async run({ run, options }) {
      const customer = await field<Customer>(run, op.SUSPEND_CUSTOMER, 'suspendCustomer', { id: options.id });
      return { data: customer, text: `Suspended ${customer.email} (${customer.companyName}): their sessions ended and they cannot sign in.` };
    },
  },
  {
    name: 'customer unsuspend',
    section: 'Customers',
    summary: 'lift a suspension (active again; pending if they never confirmed their signup)',
    options: [id('customer', 'customer list --tenant SLUG')],
    examples: ['hydracore customer unsuspend --id 5d1c...'],
    async run({ run, options }) {
      const customer = await field<Customer>(run, op.UNSUSPEND_CUSTOMER, 'unsuspendCustomer', { id: options.id });
      const next = customer.status === 'active' ? 'they can sign in again' : customer.status === 'pending' ? 'they have still to confirm their signup' : 'unchanged';
      return { data: customer, text: `${customer.email} (${customer.companyName}) is ${customer.status}: ${next}.` };
    },
  },
  {
    name: 'mail retry',
    section: 'Other',
    summary: 'put parked (failed) mail that has not expired back in line, due now',
    options: [],
    examples: ['hydracore mail retry'],
    async run({ run }) {
      const { requeued } = await field<{ requeued: number }>(run, op.RETRY_FAILED_MAIL, 'retryFailedMail');
      return { data: { requeued }, text: requeued > 0 ? `Requeued ${plural(requeued, 'parked message')}, due now.` : 'No parked mail to requeue.' };
    },
  },
  {
    name: 'demo',
    section: 'Other',
    summary: 'seed tenant "demo" with plans starter and pro and a shared node (safe to run again)',
    options: [],
    examples: ['hydracore demo && curl localhost:8000/v1/public/signup/plans/demo'],
    async run({ run }) {
      const seeded = await seedDemo(run);
      const text = [
        'Demo tenant:',
        indent(
          table(
            [
              ['tenant', 'demo', seeded.tenant],
              ['plan', 'starter (9.99)', seeded.plans.starter],
              ['plan', 'pro (29.99)', seeded.plans.pro],
              ['node', DEMO_NODE, seeded.node],
            ],
            [['what', (r) => r[0]], ['name', (r) => r[1]], ['', (r) => r[2]]],
            '',
          ),
        ),
        'Its signup page: GET /v1/public/signup/plans/demo',
      ].join('\n');
      return { data: seeded, text };
    },
  },
];
