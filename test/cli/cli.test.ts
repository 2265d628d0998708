import { PassThrough } from 'node:stream';
import { boundsOf } from '../../src/cli/args';
import { COMMANDS } from '../../src/cli/commands';
import { cli } from '../../src/cli/main';
import { startTestApp, type TestApp } from '../helpers/app';
import { bearer, registerOperator } from '../helpers/auth';
import { activeCustomer, seedShop } from '../helpers/customers';
import { engine } from '../helpers/db';
import { parkMail } from '../helpers/mail';

type Stdin = PassThrough & { isTTY?: boolean; setRawMode?: (mode: boolean) => unknown };

/** A stdin: piped text, or (`tty`) a terminal the test types into. */
function stdinOf(text?: string, tty = false): Stdin {
  const stream: Stdin = new PassThrough();
  if (tty) {
    stream.isTTY = true;
    stream.setRawMode = () => stream;
  } else stream.end(text ?? '');
  return stream;
}

/** Runs `hydracore ...` in-process against the test database, capturing its output. */
async function hydracore(t: TestApp, args: string[], stdin: Stdin = stdinOf()): Promise<{ code: number; out: string; err: string }> {
  const db = t.config.database;
  const saved = { ...process.env };
  process.env.DATABASE_URL = db.client === 'sqlite' ? `sqlite:${db.connection}` : db.connection;
  if (db.schema) process.env.DATABASE_SCHEMA = db.schema;
  Object.assign(process.env, { LOG_LEVEL: 'silent', ARGON2_MEMORY_KIB: '1024', ARGON2_TIME_COST: '1' });
  let out = '';
  let err = '';
  try {
    const code = await cli(args, (text) => (out += text), (text) => (err += text), stdin);
    return { code, out, err };
  } finally {
    process.env = saved;
  }
}

const json = async (t: TestApp, ...args: string[]) => {
  const run = await hydracore(t, [...args, '--json']);
  if (run.code !== 0) throw new Error(`hydracore ${args.join(' ')}: ${run.code} ${run.err}`);
  return JSON.parse(run.out);
};

const login = (t: TestApp, email: string, password: string) => t.app.inject({ method: 'POST', url: '/auth/login', payload: { email, password } });
const asAdmin = async (t: TestApp, token: string, query: string) =>
  (await t.app.inject({ method: 'POST', url: '/graphql', headers: bearer(token), payload: { query } })).json();

describe(`hydracore CLI, in-process (${engine})`, () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  describe('the demo and the create commands', () => {
    it('seeds a usable demo tenant, and can run again', async () => {
      const first = await hydracore(t, ['demo']);
      expect(first.code).toBe(0);
      expect(first.out).toMatch(/^ {2}plan {4}starter \(9\.99\) +created$/m);
      expect(await json(t, 'demo')).toEqual({ tenant: 'exists', plans: { starter: 'exists', pro: 'exists' }, node: 'exists' });

      const res = await t.app.inject({ method: 'GET', url: '/v1/public/signup/plans/demo' });
      expect(res.json().map((p: { name: string }) => p.name)).toEqual(['starter', 'pro']);
    });

    it('creates tenants, plans, nodes and sites through the GraphQL operations, each told in a line', async () => {
      const tenant = await hydracore(t, ['tenant', 'create', '--slug', 'acme', '--name', 'Acme Hosting']);
      expect(tenant).toMatchObject({ code: 0, err: '' });
      expect(tenant.out).toMatch(/^Created tenant acme \("Acme Hosting"\), id [0-9a-f-]{36}\.\n$/);

      const plan = await json(t, 'plan', 'create', '--tenant', 'acme', '--name', 'basic', '--price', '4.50', '--feature', 'One site', '--feature', 'TLS', '--order', '3');
      expect(plan).toMatchObject({ name: 'basic', price: '4.50', features: ['One site', 'TLS'], displayOrder: 3, active: true });
      const node = await hydracore(t, ['node', 'add', '--hostname', 'n1.acme.example', '--base-domain', 'sites.acme.example', '--capacity', '1', '--tenant', 'acme']);
      expect(node.out).toMatch(/^Added shared node n1\.acme\.example for acme: capacity 1, sites at https:\/\/<site>\.sites\.acme\.example \(id .{36}\)\.\n$/);

      expect(await json(t, 'instance', 'create', '--tenant', 'acme', '--slug', 'shop')).toMatchObject({ slug: 'shop', siteUrl: 'https://shop.sites.acme.example', status: 'active' });
      // The tenant's only node is full and there is no global pool.
      const full = await hydracore(t, ['instance', 'create', '--tenant', 'acme', '--slug', 'shop2']);
      expect(full).toEqual({ code: 1, out: '', err: 'hydracore: No shared hosting capacity available (NO_CAPACITY)\n' });
    });

    it('a refusal is one line and exit 1; with --json it is a JSON error', async () => {
      expect(await hydracore(t, ['tenant', 'create', '--slug', 'acme', '--name', 'Again'])).toEqual({ code: 1, out: '', err: 'hydracore: Tenant slug already taken (TENANT_SLUG_TAKEN)\n' });
      const refused = await hydracore(t, ['plan', 'create', '--tenant', 'nope', '--name', 'x', '--price', '1', '--json']);
      expect(refused.code).toBe(1);
      expect(JSON.parse(refused.err)).toEqual({ error: { code: 'TENANT_NOT_FOUND', message: 'Tenant not found' } });
    });
  });

  describe('invalid input: the API\'s rules, in the command\'s words (exit 2)', () => {
    it('plan create --price abc is refused by the API\'s own pattern, naming the option', async () => {
      const run = await hydracore(t, ['plan', 'create', '--tenant', 'acme', '--name', 'odd', '--price', 'abc']);
      expect(run.code).toBe(2);
      const [problem, blank, usage] = run.err.split('\n');
      expect(problem).toBe(`hydracore: --price: String should match pattern '^\\d+(\\.\\d{1,2})?$' (got "abc")`);
      expect([blank, usage]).toEqual(['', 'Usage: hydracore plan create --tenant SLUG --name NAME --price AMOUNT [--description TEXT]']);
      expect(await t.db('plans').where({ name: 'odd' }).first()).toBeUndefined();
    });

    it('--capacity -5: one line naming the bounds the API puts on the field', async () => {
      const run = await hydracore(t, ['node', 'add', '--hostname', 'n2.acme.example', '--base-domain', 'sites.acme.example', '--capacity', '-5']);
      expect(run.code).toBe(2);
      expect(run.err.split('\n')[0]).toBe('hydracore: --capacity must be a whole number from 0 to 1000000 (got "-5")');
      for (const bad of ['abc', '1.5', '1000001', '']) {
        expect((await hydracore(t, ['node', 'add', '--hostname', 'n2.acme.example', '--base-domain', 'x.example', '--capacity', bad])).code).toBe(2);
      }
    });

    it('every whole-number option takes its bounds from the input field it fills', () => {
      const ints = COMMANDS.flatMap((command) => command.options.filter((o) => o.kind === 'int').map((option) => ({ command, option })));
      expect(ints.map(({ command, option }) => [command.name, option.name, boundsOf(command, option)])).toEqual([
        ['plan create', 'order', { min: 0, max: 10_000 }],
        ['node add', 'capacity', { min: 0, max: 1_000_000 }],
        ['apikey create', 'requests-per-minute', { min: 1, max: 1_000_000 }],
        ['customer list', 'first', { min: 1, max: 200 }],
      ]);
    });

    it('a malformed id and a bad slug name their option', async () => {
      const id = await hydracore(t, ['customer', 'suspend', '--id', 'nope']);
      expect(id.code).toBe(2);
      expect(id.err.split('\n')[0]).toBe('hydracore: --id: Input should be a valid UUID, invalid character: found `n` at 1 (got "nope")');
      const slug = await hydracore(t, ['tenant', 'create', '--slug', 'Not A Slug', '--name', 'x', '--json']);
      expect(slug.code).toBe(2);
      expect(JSON.parse(slug.err).error.detail[0]).toMatchObject({ type: 'string_pattern_mismatch', loc: ['input', 'slug'], input: 'Not A Slug' });
    });
  });

  describe('platform administrators', () => {
    it('admin create reads the password from stdin (--password-stdin); the admin can then administer over /graphql', async () => {
      const created = await hydracore(t, ['admin', 'create', '--email', 'Root@example.com', '--password-stdin', '--json'], stdinOf('a long admin passphrase\nignored\n'));
      expect(created.code).toBe(0);
      expect(JSON.parse(created.out)).toMatchObject({ email: 'Root@example.com', emailVerified: true, isAdmin: true });
      const token = (await login(t, 'root@example.com', 'a long admin passphrase')).json().access_token as string;
      expect(await asAdmin(t, token, 'mutation { createTenant(input: { slug: "by-admin", name: "By Admin" }) { slug } }')).toEqual({ data: { createTenant: { slug: 'by-admin' } } });
    });

    it('refuses a password on the command line, and never prints it', async () => {
      const run = await hydracore(t, ['admin', 'create', '--email', 'cmd@example.com', '--password', 'visible in ps']);
      expect(run.code).toBe(2);
      expect(run.err.split('\n')[0]).toBe(
        'hydracore: --password is refused: a password on the command line is visible to other users (ps) and stays in shell history; type it at the prompt, or pipe it in with --password-stdin',
      );
      expect(run.err).not.toContain('visible in ps');
      expect(await t.db('users').where({ email_lower: 'cmd@example.com' }).first()).toBeUndefined();
    });

    it('without --password-stdin and no terminal to ask on: a usage error', async () => {
      const run = await hydracore(t, ['admin', 'create', '--email', 'cmd@example.com']);
      expect(run.code).toBe(2);
      expect(run.err.split('\n')[0]).toBe('hydracore: no password: stdin is not a terminal to ask on; pipe it in with --password-stdin');
    });

    it('on a terminal it asks twice without echoing what is typed', async () => {
      const tty = stdinOf(undefined, true);
      const typing = (async () => {
        await new Promise((resolve) => setTimeout(resolve, 50));
        tty.write('typed at the prompt\r');
        await new Promise((resolve) => setTimeout(resolve, 50));
        tty.write('typed at the prompt\r');
      })();
      const run = await hydracore(t, ['admin', 'create', '--email', 'prompted@example.com'], tty);
      await typing;
      expect(run.code).toBe(0);
      expect(run.err).toBe('Password for prompted@example.com: \nRepeat it: \n');
      expect(run.out).not.toContain('typed');
      expect((await login(t, 'prompted@example.com', 'typed at the prompt')).statusCode).toBe(200);

      const differ = stdinOf(undefined, true);
      setTimeout(() => differ.write('one passphrase here\r'), 50);
      setTimeout(() => differ.write('another passphrase\r'), 100);
      const mismatch = await hydracore(t, ['admin', 'create', '--email', 'differ@example.com'], differ);
      expect(mismatch).toMatchObject({ code: 1, err: expect.stringContaining('hydracore: the two passwords differ; nothing was created') });
      expect(await t.db('users').where({ email_lower: 'differ@example.com' }).first()).toBeUndefined();
    });

    it("the API's password rules apply (a common password), without echoing it", async () => {
      const weak = await hydracore(t, ['admin', 'create', '--email', 'weak@example.com', '--password-stdin'], stdinOf('password1\n'));
      expect(weak.code).toBe(2);
      expect(weak.err.split('\n')[0]).toBe('hydracore: password: Value error, This password is too common');
      const asJson = await hydracore(t, ['admin', 'create', '--email', 'weak@example.com', '--password-stdin', '--json'], stdinOf('password1\n'));
      expect(asJson.err).not.toContain('password1');
      expect(JSON.parse(asJson.err).error.detail[0]).toMatchObject({ loc: ['input', 'password'], msg: 'Value error, This password is too common' });
    });

    it('operator reset-factors removes an operator\'s second factors through the same operation', async () => {
      await registerOperator(t, 'lost-phone@example.com');
      const user = await t.db('users').where({ email_lower: 'lost-phone@example.com' }).first('id');
      await t.db('operator_totp').insert({ user_id: user.id, secret_sealed: 'sealed', enabled_at: new Date().toISOString(), last_used_step: null, created_at: new Date().toISOString() });
      const reset = await hydracore(t, ['operator', 'reset-factors', '--email', 'lost-phone@example.com']);
      expect(reset).toMatchObject({ code: 0, out: 'lost-phone@example.com: second factors removed and every session ended. They sign in with their password and enroll again.\n' });
      expect(await t.db('operator_totp').where({ user_id: user.id }).first()).toBeUndefined();
      expect(await hydracore(t, ['operator', 'reset-factors', '--email', 'nobody@example.com'])).toMatchObject({ code: 1, err: 'hydracore: User not found (USER_NOT_FOUND)\n' });
    });

    it('admin promote makes an existing operator an admin; admin list shows the admins', async () => {
      await registerOperator(t, 'ada@example.com');
      const promoted = await hydracore(t, ['admin', 'promote', '--email', 'ada@example.com']);
      expect(promoted.code).toBe(0);
      expect(promoted.out).toMatch(/^ada@example\.com is a platform admin \(id .{36}\)\.\nTheir email is not verified yet: they act as an admin once they verify it\.\n$/);
      expect(await hydracore(t, ['admin', 'promote', '--email', 'nobody@example.com'])).toMatchObject({ code: 1, err: 'hydracore: User not found (USER_NOT_FOUND)\n' });

      const list = await hydracore(t, ['admin', 'list']);
      const lines = list.out.trimEnd().split('\n');
      expect(lines[0]).toMatch(/^EMAIL +VERIFIED +CREATED +ID$/);
      expect(lines.slice(1).map((l) => l.split(/ +/).slice(0, 2))).toEqual([
        ['ada@example.com', 'no'],
        ['prompted@example.com', 'yes'],
        ['Root@example.com', 'yes'],
      ]);
    });
  });

  describe('lists: aligned columns for people, JSON for machines', () => {
    it('tenant list', async () => {
      const table = await hydracore(t, ['tenant', 'list']);
      const lines = table.out.trimEnd().split('\n');
      expect(lines.map((l) => l.split(/ {2,}/)[0])).toEqual(['SLUG', 'acme', 'by-admin', 'demo']);
      const column = lines[0].indexOf('NAME');
      expect(lines.slice(1).map((l) => l.slice(column).split(/ {2,}/)[0])).toEqual(['Acme Hosting', 'By Admin', 'Demo Hosting']);
      const data = await json(t, 'tenant', 'list');
      expect(data.map((tenant: Record<string, unknown>) => Object.keys(tenant))).toEqual(Array(3).fill(['id', 'slug', 'name', 'createdAt']));
    });

    it('member add, list and remove (setMember, members, removeMember)', async () => {
      await registerOperator(t, 'owner@example.com');
      expect((await hydracore(t, ['member', 'add', '--tenant', 'acme', '--email', 'owner@example.com', '--role', 'owner'])).out).toBe('owner@example.com is owner of acme.\n');
      expect((await hydracore(t, ['member', 'add', '--tenant', 'acme', '--email', 'ada@example.com', '--role', 'member'])).code).toBe(0);
      expect((await json(t, 'member', 'list', '--tenant', 'acme')).map((m: { email: string; role: string }) => [m.email, m.role])).toEqual([
        ['ada@example.com', 'member'],
        ['owner@example.com', 'owner'],
      ]);
      const role = await hydracore(t, ['member', 'add', '--tenant', 'acme', '--email', 'ada@example.com', '--role', 'boss']);
      expect(role.code).toBe(2);
      expect(role.err.split('\n')[0]).toBe('hydracore: --role must be one of owner, admin, member (got "boss")');
      expect(await hydracore(t, ['member', 'remove', '--tenant', 'acme', '--email', 'owner@example.com'])).toMatchObject({ code: 1, err: 'hydracore: A tenant must keep at least one owner (LAST_OWNER)\n' });
      expect((await hydracore(t, ['member', 'remove', '--tenant', 'acme', '--email', 'ada@example.com'])).out).toBe('Removed ada@example.com from acme.\n');
      expect((await hydracore(t, ['member', 'list', '--tenant', 'acme'])).out).toMatch(/^EMAIL +ROLE +USER ID\nowner@example\.com +owner +.{36}\n$/);
    });

    it('apikey create prints the key once with a warning; list never shows it; revoke stops it', async () => {
      const created = await hydracore(t, ['apikey', 'create', '--tenant', 'acme', '--name', 'deploy-bot']);
      expect(created.code).toBe(0);
      const key = created.out.match(/^ {4}(hck_[\w-]{8}_[\w-]{43})$/m)?.[1] as string;
      expect(key).toBeDefined();
      expect(created.out).toContain('Copy it now: it will not be shown again');
      const headers = { 'x-api-key': key };
      const plans = await t.app.inject({ method: 'POST', url: '/graphql', headers, payload: { query: '{ plans(tenantSlug: "acme") { name } }' } });
      expect(plans.json()).toEqual({ data: { plans: [{ name: 'basic' }] } });

      const list = await hydracore(t, ['apikey', 'list', '--tenant', 'acme']);
      expect(list.out).toMatch(/^PREFIX +NAME +CREATED +LAST USED +REVOKED +ID\n/);
      expect(list.out).toContain(key.slice(0, 12));
      expect(list.out).not.toContain(key.slice(13));
      const [listed] = await json(t, 'apikey', 'list', '--tenant', 'acme');
      expect(Object.keys(listed)).toEqual(['id', 'tenantId', 'name', 'prefix', 'requestsPerMinute', 'createdAt', 'lastUsedAt', 'revokedAt']);
      expect(JSON.stringify(listed)).not.toContain(key.slice(13));

      const revoked = await hydracore(t, ['apikey', 'revoke', '--id', listed.id]);
      expect(revoked.out).toMatch(/^Revoked API key "deploy-bot" \(hck_.{8}\) at .+: requests with it are refused\.\n$/);
      const after = await t.app.inject({ method: 'POST', url: '/graphql', headers, payload: { query: '{ plans(tenantSlug: "acme") { name } }' } });
      expect(after.json().errors[0].extensions.code).toBe('INVALID_TOKEN');
    });

    it('customer list, suspend and unsuspend', async () => {
      await seedShop(t, 'shop');
      const ada = await activeCustomer(t, 'shop', 'ada@example.com', 'Ada Ltd');
      await activeCustomer(t, 'shop', 'bob@example.com', 'Bob Ltd');
      const list = await hydracore(t, ['customer', 'list', '--tenant', 'shop']);
      expect(list.out.split('\n').map((l) => l.split(/ {2,}/)[0])).toEqual(['EMAIL', 'bob@example.com', 'ada@example.com', '']);
      const paged = await hydracore(t, ['customer', 'list', '--tenant', 'shop', '--first', '1']);
      expect(paged.out).toMatch(/\nMore: hydracore customer list --tenant shop --after \S+\n$/);
      const cursor = paged.out.match(/--after (\S+)/)?.[1] as string;
      expect((await json(t, 'customer', 'list', '--tenant', 'shop', '--after', cursor)).nodes.map((c: { email: string }) => c.email)).toEqual(['ada@example.com']);

      expect((await hydracore(t, ['customer', 'suspend', '--id', ada.customer_id])).out).toBe('Suspended ada@example.com (Ada Ltd): their sessions ended and they cannot sign in.\n');
      expect((await json(t, 'customer', 'list', '--tenant', 'shop', '--status', 'suspended')).nodes.map((c: { email: string }) => c.email)).toEqual(['ada@example.com']);
      expect((await hydracore(t, ['customer', 'list', '--tenant', 'shop', '--status', 'gone'])).code).toBe(2);
      expect((await hydracore(t, ['customer', 'unsuspend', '--id', ada.customer_id])).out).toBe('ada@example.com (Ada Ltd) is active: they can sign in again.\n');
      expect((await t.db('customers').where({ id: ada.customer_id }).first('status')).status).toBe('active');
    });
  });

  describe('usage', () => {
    it('--help lists every command; a command\'s --help is that command only', async () => {
      const help = await hydracore(t, ['--help']);
      expect(help.code).toBe(0);
      for (const command of COMMANDS) expect(help.out).toMatch(new RegExp(`^  ${command.name} +\\S`, 'm'));
      const one = await hydracore(t, ['member', 'add', '--help']);
      expect(one.code).toBe(0);
      expect(one.out.split('\n')[0]).toBe('Usage: hydracore member add --tenant SLUG --email EMAIL --role ROLE');
      expect(one.out).toContain('Examples:\n  hydracore member add --tenant acme --email ada@example.com --role owner');
      expect(one.out).not.toContain('tenant create');
      expect((await hydracore(t, ['help', 'tenant', 'list'])).out).toMatch(/^Usage: hydracore tenant list\n/);
    });

    it('a usage error is one line and the command\'s usage, exit 2', async () => {
      const missing = await hydracore(t, ['tenant', 'create', '--slug', 'x']);
      expect(missing).toEqual({
        code: 2,
        out: '',
        err: 'hydracore: --name is required\n\nUsage: hydracore tenant create --slug SLUG --name NAME\nFor more, try `hydracore tenant create --help`.\n',
      });
      for (const [args, problem] of [
        [['tenant', 'create', '--slug', 'x', '--name', 'y', '--frob'], 'unknown option --frob'],
        [['tenant', 'create', '--slug', 'x', '--slug', 'y', '--name', 'z'], '--slug is given twice'],
        [['tenant', 'create', '--name', 'y', '--slug'], '--slug needs a value'],
        [['tenant', 'create', '--slug', '--name', 'y'], '--slug needs a value'],
        [['tenant', 'list', '--json=yes'], '--json takes no value'],
        [['tenant', 'list', 'extra'], 'unexpected argument "extra"'],
        [['backup'], 'FILE is required'],
      ] as const) {
        const run = await hydracore(t, [...args]);
        expect([args, run.code, run.err.split('\n')[0]]).toEqual([args, 2, `hydracore: ${problem}`]);
      }
    });

    it('an unknown command is one line and the list of commands', async () => {
      const unknown = await hydracore(t, ['frobnicate']);
      expect(unknown.code).toBe(2);
      const [problem, blank, ...list] = unknown.err.trimEnd().split('\n');
      expect([problem, blank]).toEqual(['hydracore: unknown command "frobnicate"', '']);
      expect(list.filter((line) => line.startsWith('  ')).map((line) => line.trim().split(/ {2,}/)[0])).toEqual(COMMANDS.map((c) => c.name));
      const group = await hydracore(t, ['member', 'frob']);
      expect(group.err).toBe(
        'hydracore: unknown command "member frob"\n\nTenants:\n' +
          "  member add     give an operator a role in a tenant (adds them, or changes their role)\n" +
          '  member remove  take an operator out of a tenant\n' +
          "  member list    list a tenant's operators and their roles\n",
      );
      expect((await hydracore(t, [])).code).toBe(2);
    });
  });

  it('mail retry puts parked mail that has not expired back in line, and only that', async () => {
    // Parked by an older version (which gave up after MAIL_MAX_ATTEMPTS); the CLI runs on the real clock.
    const now = Date.now();
    await parkMail(t.db, 'live@example.com', now, 3_600_000);
    await parkMail(t.db, 'stale@example.com', now, -60_000);
    const retried = await hydracore(t, ['mail', 'retry']);
    expect(retried).toEqual({ code: 0, out: 'Requeued 1 parked message, due now.\n', err: '' });
    expect(await t.db('mail_outbox').where({ subject: 'Parked' }).orderBy('recipient').select('recipient', 'status')).toEqual([
      { recipient: 'live@example.com', status: 'pending' },
      { recipient: 'stale@example.com', status: 'failed' },
    ]);
    expect(await json(t, 'mail', 'retry')).toEqual({ requeued: 0 });

    // Due now: the sender (whose clock is before the expiry) delivers it.
    t.clock.set(new Date());
    await t.app.mailSender.drain();
    expect(t.mail.to('live@example.com')).toHaveLength(1);
    expect(t.mail.to('stale@example.com')).toHaveLength(0);

    // Over /graphql it is a platform admin's mutation.
    const anonymous = await t.app.inject({ method: 'POST', url: '/graphql', payload: { query: 'mutation { retryFailedMail { requeued } }' } });
    expect(anonymous.json().errors[0].extensions.code).toBe('NOT_AUTHENTICATED');
  });
});
