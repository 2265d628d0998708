import { startTestApp, type TestApp } from '../../helpers/app';
import { bearer, graphql, lastCodeFor, post, verifiedOperator } from '../../helpers/auth';
import { activeCustomer, seedShop } from '../../helpers/customers';
import { engine } from '../../helpers/db';
import { freePort } from '../../helpers/net';
import { asPlatform, seedNode, seedPlan, seedTenant } from '../../helpers/seed';
import { SmtpSink } from '../../helpers/smtp-sink';
import { CREATE_API_KEY } from '../../../src/cli/operations';
import { smtpTransport } from '../../../src/mail/transports';

/** RFC 2047 encoded words (`=?UTF-8?Q?...?=`, `=?UTF-8?B?...?=`), as nodemailer writes non-ASCII headers. */
function decodeWords(value: string): string {
  return value.replace(/\?=\s+=\?/g, '?==?').replace(/=\?utf-8\?([QB])\?([^?]*)\?=/gi, (_, enc: string, data: string) =>
    enc.toUpperCase() === 'B' ? Buffer.from(data, 'base64').toString('utf8') : Buffer.from(decodeQp(data.replace(/_/g, ' ')), 'latin1').toString('utf8'),
  );
}

/** Quoted-printable to bytes (as a latin1 string, one char a byte). */
function decodeQp(text: string): string {
  return text.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

interface ParsedMail {
  headers: Record<string, string>;
  text: string;
  html: string;
}

/** Just enough MIME for nodemailer's multipart/alternative: headers, and the two parts decoded. */
function parseMail(raw: string): ParsedMail {
  const split = (block: string) => {
    const at = block.indexOf('\r\n\r\n');
    const headers: Record<string, string> = {};
    for (const line of block.slice(0, at).replace(/\r\n[ \t]+/g, ' ').split('\r\n')) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
    }
    return { headers, body: block.slice(at + 4) };
  };
  const top = split(raw);
  const boundary = /boundary="?([^";]+)"?/.exec(top.headers['content-type'])?.[1];
  if (!boundary) throw new Error(`not multipart: ${top.headers['content-type']}`);
  const parts: Record<string, string> = {};
  for (const chunk of top.body.split(`--${boundary}`).slice(1, -1)) {
    // The line break before a boundary belongs to the boundary (RFC 2046).
    const part = split(chunk.replace(/^\r\n/, '').replace(/\r\n$/, ''));
    const encoding = part.headers['content-transfer-encoding'];
    const bytes = encoding === 'base64' ? Buffer.from(part.body, 'base64') : Buffer.from(encoding === 'quoted-printable' ? decodeQp(part.body) : part.body, 'latin1');
    parts[part.headers['content-type'].split(';')[0]] = bytes.toString('utf8');
  }
  return { headers: { from: decodeWords(top.headers.from), subject: decodeWords(top.headers.subject) }, text: parts['text/plain'], html: parts['text/html'] };
}

const LAYOUT = 'mutation($input: MailLayoutInput!) { updateMailLayout(input: $input) { tenantSlug senderName senderAddress logoUrl primaryColor from } }';

describe(`customer mail in the tenant's layout and language (${engine})`, () => {
  let t: TestApp;
  let sink: SmtpSink;

  beforeAll(async () => {
    sink = new SmtpSink(await freePort());
    await sink.start();
    t = await startTestApp({}, undefined, { mailTransport: smtpTransport(`smtp://127.0.0.1:${sink.port}`) });
    await seedShop(t, 'acme');
    await asPlatform(t, LAYOUT, {
      input: { tenantSlug: 'acme', senderName: 'Acme Sites', senderAddress: 'hello@acme.example.com', logoUrl: 'https://cdn.acme.example.com/logo.png', primaryColor: '#FF6600' },
    });
  });
  afterAll(async () => {
    await t.close();
    await sink.stop();
  });

  /** Delivers the outbox through the SMTP sink and returns what arrived for `to`, parsed. */
  const delivered = async (to: string): Promise<ParsedMail[]> => {
    await t.app.mailRequests.drain();
    await t.app.mailSender.drain();
    return sink.received.filter((m) => m.to.includes(to)).map((m) => parseMail(m.raw));
  };

  /**
   * Mail to `to` once more than `before` arrived: the sink records a message when its data ends,
   * which may be a moment after the sender saw it accepted.
   */
  const deliveredMore = async (to: string, before: number): Promise<ParsedMail[]> => {
    for (let waited = 0; ; waited += 20) {
      const mails = await delivered(to);
      if (mails.length > before || waited >= 2000) return mails;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };

  it('a signup mail reaches the SMTP sink from the tenant, in its layout, in German and in English, the code the same in both parts', async () => {
    const layout = await asPlatform<{ mailLayout: Record<string, string> }>(t, '{ mailLayout(tenantSlug: "acme") { tenantSlug senderName senderAddress logoUrl primaryColor from } }');
    expect(layout.mailLayout).toEqual({
      tenantSlug: 'acme',
      senderName: 'Acme Sites',
      senderAddress: 'hello@acme.example.com',
      logoUrl: 'https://cdn.acme.example.com/logo.png',
      primaryColor: '#ff6600',
      from: '"Acme Sites" <hello@acme.example.com>',
    });

    expect((await post(t, '/v1/public/signup', { company_name: 'Anna GmbH', email: 'anna@example.com', tenant_slug: 'acme', locale: 'de-AT' })).statusCode).toBe(200);
    expect((await post(t, '/v1/public/signup', { company_name: 'Bob Ltd', email: 'bob@example.com', tenant_slug: 'acme' })).statusCode).toBe(200);

    const [german] = await deliveredMore('anna@example.com', 0);
    const [english] = await deliveredMore('bob@example.com', 0);
    for (const [mail, to, subject, words] of [
      [german, 'anna@example.com', 'Bestätigen Sie Ihre neue Website bei Acme Sites', 'Willkommen bei Acme Sites. Ihr Bestätigungscode lautet'],
      [english, 'bob@example.com', 'Confirm your new Acme Sites site', 'Welcome to Acme Sites. Your confirmation code is'],
    ] as const) {
      const code = await lastCodeFor(t, to);
      // nodemailer drops quotes a plain name does not need.
      expect(mail.headers).toEqual({ from: 'Acme Sites <hello@acme.example.com>', subject });
      expect(mail.text).toContain(`${words} ${code}`);
      expect(mail.text.replace(/\r\n/g, '\n')).toMatch(/\n-- \nAcme Sites\n$/);
      expect(mail.html).toContain(`<p>${words}</p>`);
      expect(mail.html).toContain(`font-family:monospace;">${code}</p>`);
      expect(mail.html).toContain('<img src="https://cdn.acme.example.com/logo.png" alt="Acme Sites"');
      expect(mail.html).toContain('background:#ff6600;');
    }
    expect(german.html).toContain('<html lang="de">');
    expect(english.html).toContain('<html lang="en">');
    // The mailed code works.
    const verified = await post(t, '/v1/public/signup/verify', { code: await lastCodeFor(t, 'anna@example.com'), email: 'anna@example.com', tenant_slug: 'acme' });
    expect(verified.statusCode).toBe(200);
  });

  it('a customer changes the language of their mail; a language without templates gets English', async () => {
    const customer = bearer((await activeCustomer(t, 'acme', 'carla@example.com')).access_token);
    expect((await graphql(t, '{ portalLocale }', {}, customer)).data).toEqual({ portalLocale: 'en' });
    const login = async () => {
      t.clock.advance(61_000); // one code a minute per customer
      const before = (await delivered('carla@example.com')).length;
      expect((await post(t, '/v1/customer-auth/login', { email: 'carla@example.com', tenant_slug: 'acme' })).statusCode).toBe(200);
      const mails = await deliveredMore('carla@example.com', before);
      return mails[mails.length - 1];
    };
    expect((await graphql(t, 'mutation { setPortalLocale(locale: "de") }', {}, customer)).data).toEqual({ setPortalLocale: 'de' });
    const german = await login();
    expect(german.headers.subject).toBe('Ihr Anmeldecode für Acme Sites');
    expect(german.text).toContain(`Ihr Anmeldecode für Acme Sites lautet ${await lastCodeFor(t, 'carla@example.com')}`);
    expect((await graphql(t, 'mutation { setPortalLocale(locale: "fr-CA") }', {}, customer)).data).toEqual({ setPortalLocale: 'fr-CA' });
    expect((await graphql(t, '{ portalLocale }', {}, customer)).data).toEqual({ portalLocale: 'fr-CA' });
    const fallback = await login();
    expect(fallback.headers.subject).toBe('Your Acme Sites login code');
    expect(fallback.html).toContain('<html lang="en">');
  });

  it('refuses a malformed locale, and setPortalLocale to anything but a customer', async () => {
    const customer = bearer((await activeCustomer(t, 'acme', 'dora@example.com')).access_token);
    for (const locale of ['deutsch', 'DE', 'de_AT', '', 'de-at']) {
      expect([locale, (await graphql(t, 'mutation($l: String!) { setPortalLocale(locale: $l) }', { l: locale }, customer)).errors?.[0]?.extensions.code]).toEqual([locale, 'BAD_USER_INPUT']);
    }
    const operator = bearer((await verifiedOperator(t, 'op@example.com')).access_token);
    expect((await graphql(t, 'mutation { setPortalLocale(locale: "de") }', {}, operator)).errors?.[0]?.extensions.code).toBe('CUSTOMER_TOKEN_REQUIRED');
    const rest = await post(t, '/v1/public/signup', { company_name: 'X', email: 'x@example.com', tenant_slug: 'acme', locale: 'german' });
    expect(rest.statusCode).toBe(422);
    expect(rest.json().detail[0]).toMatchObject({ type: 'string_pattern_mismatch', loc: ['body', 'locale'], msg: "String should match pattern '^[a-z]{2}(-[A-Z]{2})?$'" });
    expect(await t.db('customers').where({ email_lower: 'x@example.com' }).first()).toBeUndefined();
  });

  it('validates the layout: https logo, #rrggbb colour, a sender name that cannot break the From header, a valid address', async () => {
    const owner = await verifiedOperator(t, 'owner@example.com');
    const tenant = await t.db('tenants').where({ slug: 'acme' }).first('id');
    await t.db('tenant_members').insert({ tenant_id: tenant.id, user_id: (await t.db('users').where({ email_lower: 'owner@example.com' }).first('id')).id, role: 'owner', created_at: new Date().toISOString() });
    const as = bearer(owner.access_token);
    const bad: Array<[string, Record<string, unknown>]> = [
      ['logoUrl', { logoUrl: 'http://cdn.example.com/logo.png' }],
      ['logoUrl', { logoUrl: 'javascript:alert(1)' }],
      ['logoUrl', { logoUrl: 'https://cdn.example.com/a"onerror="x' }],
      ['primaryColor', { primaryColor: 'red' }],
      ['primaryColor', { primaryColor: '#ff660' }],
      ['primaryColor', { primaryColor: '#ff6600;background:url(x)' }],
      ['senderName', { senderName: 'Acme" <evil@example.com>' }],
      ['senderName', { senderName: 'Acme\r\nBcc: victim@example.com' }],
      ['senderAddress', { senderAddress: 'not an address' }],
      ['senderAddress', { senderAddress: 'a@b.example.com\r\nBcc: x@example.com' }],
    ];
    for (const [field, input] of bad) {
      const res = await graphql(t, LAYOUT, { input: { tenantSlug: 'acme', ...input } }, as);
      expect([field, input, res.errors?.[0]?.extensions.code]).toEqual([field, input, 'BAD_USER_INPUT']);
    }
    // Leaving everything out returns to the default: the tenant's name, MAIL_FROM's address.
    const reset = await graphql(t, LAYOUT, { input: { tenantSlug: 'acme' } }, as);
    expect(reset.data?.updateMailLayout).toEqual({ tenantSlug: 'acme', senderName: null, senderAddress: null, logoUrl: null, primaryColor: null, from: `"acme hosting" <${t.config.mail.from.replace(/^.*<|>$/g, '')}>` });
    expect((await graphql(t, '{ mailLayout(tenantSlug: "acme") { from logoUrl } }', {}, as)).data).toEqual({ mailLayout: { from: reset.data?.updateMailLayout.from, logoUrl: null } });
    // The tenant's own API key reaches neither (keys do not decide whose name mail carries).
    const key = await asPlatform<{ createApiKey: { key: string } }>(t, CREATE_API_KEY, { input: { tenantSlug: 'acme', name: 'acme' } });
    const byKey = { 'x-api-key': key.createApiKey.key };
    expect((await graphql(t, '{ mailLayout(tenantSlug: "acme") { from } }', {}, byKey)).errors?.[0]?.extensions.code).toBe('PERSON_TOKEN_REQUIRED');
    expect((await graphql(t, LAYOUT, { input: { tenantSlug: 'acme', senderName: 'Key' } }, byKey)).errors?.[0]?.extensions.code).toBe('PERSON_TOKEN_REQUIRED');
    const audit = await t.db('audit_events').where({ action: 'mail_layout.updated', actor_id: (await t.db('users').where({ email_lower: 'owner@example.com' }).first('id')).id });
    expect(audit).toHaveLength(1);
    // Without a logo the HTML shows the name (escaped), and the text part the name as it is.
    await activeCustomer(t, 'acme', 'erin@example.com');
    t.clock.advance(61_000);
    const before = (await delivered('erin@example.com')).length;
    await post(t, '/v1/customer-auth/login', { email: 'erin@example.com', tenant_slug: 'acme' });
    const mails = await deliveredMore('erin@example.com', before);
    const plain = mails[mails.length - 1];
    expect(plain.headers.from).toBe(`acme hosting <${t.config.mail.from.replace(/^.*<|>$/g, '')}>`);
    expect(plain.html).not.toContain('<img');
    expect(plain.html).toContain('acme hosting');
  });

  it("a tenant name that could break the From header is made safe there, and escaped in the HTML", async () => {
    await seedTenant(t, 'odd', 'Odd "Co" <x@evil.example>\r\nBcc: y@evil.example');
    await seedPlan(t, { tenantSlug: 'odd', name: 'starter', price: '1.00', displayOrder: 1 });
    await seedNode(t, { hostname: 'n1.odd.example.com', baseDomain: 'sites.odd.example.com', capacity: 10, tenantSlug: 'odd' });
    expect((await post(t, '/v1/public/signup', { company_name: 'Fay', email: 'fay@example.com', tenant_slug: 'odd' })).statusCode).toBe(200);
    const [mail] = await deliveredMore('fay@example.com', 0);
    const received = sink.received.filter((m) => m.to.includes('fay@example.com'));
    expect(received.map((m) => m.to)).toEqual([['fay@example.com']]);
    expect(received[0].raw).not.toMatch(/^Bcc:/im);
    expect(mail.headers.from).toBe(`"Odd Co x@evil.example Bcc: y@evil.example" <${t.config.mail.from.replace(/^.*<|>$/g, '')}>`);
    expect(mail.html).toContain('Odd &quot;Co&quot; &lt;x@evil.example&gt; Bcc: y@evil.example');
    expect(mail.text).toContain('Welcome to Odd "Co" <x@evil.example> Bcc: y@evil.example.');
  });

  it('operator mail comes from MAIL_FROM, with an HTML part in the default layout carrying the same code and link', async () => {
    await post(t, '/auth/register', { email: 'newop@example.com', password: 'correct horse battery staple' });
    const [mail] = await deliveredMore('newop@example.com', 0);
    const code = await lastCodeFor(t, 'newop@example.com');
    const link = /Enter it at (\S+)/.exec(mail.text)?.[1] as string;
    expect(mail.headers.from).toBe(t.config.mail.from);
    expect(mail.html).toContain(`Your verification code is ${code}`);
    expect(mail.html).toContain(`<a href="${link.replace(/&/g, '&amp;').replace(/=/g, '&#61;')}">`);
    expect(mail.html).toContain('background:#1f2937;');
  });
});
