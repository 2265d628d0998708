import { createHmac, timingSafeEqual } from 'node:crypto';
import Database from 'better-sqlite3';
import Fastify from 'fastify';
import pg from 'pg';

/**
 * The reference `GET /auth/me` for the benchmark (issue 14): what the stack can do at best for
 * that answer, sharing none of the gateway's machinery. A bare Fastify route in its own process,
 * no plugins: the HS256 access token is verified with node:crypto (HMAC-SHA256 and
 * timingSafeEqual, expiry checked, no JWT library), then one prepared statement returns the
 * user if the session is alive and one the user's tenants (better-sqlite3 statements prepared
 * once at start; on PostgreSQL named prepared statements through `pg`), and the same JSON as
 * `/auth/me` is answered. Same database, same token, same machine as the gateway it is
 * measured against.
 */
const SESSION_SQL = `select u.id, u.email, u.email_verified, u.is_admin, u.created_at
  from users u join sessions s on s.subject_id = u.id
  where u.id = $1 and s.id = $2 and s.subject_kind = 'user' and s.revoked_at is null`;
const TENANTS_SQL = `select t.id, t.slug, t.name, m.role
  from tenants t join tenant_members m on m.tenant_id = t.id
  where m.user_id = $1 order by t.slug`;

interface UserRow {
  id: string;
  email: string;
  email_verified: boolean | number;
  is_admin: boolean | number;
  created_at: string | Date;
}
type TenantRow = { id: string; slug: string; name: string; role: string };

function pyDatetime(value: string | Date): string {
  const iso = new Date(value).toISOString();
  const [seconds, millis] = iso.slice(0, -1).split('.');
  return millis === '000' ? `${seconds}Z` : `${seconds}.${millis}000Z`;
}

const secret = Buffer.from(process.env.JWT_SECRET ?? '', 'utf8');
const UNAUTHORIZED = '{"detail":"Could not validate credentials"}';

/** The claims of a valid, unexpired HS256 access token, or undefined. */
function verify(token: string): { sub: string; sid: string } | undefined {
  const dot1 = token.indexOf('.');
  const dot2 = token.indexOf('.', dot1 + 1);
  if (dot1 < 0 || dot2 < 0) return undefined;
  const expected = createHmac('sha256', secret).update(token.slice(0, dot2)).digest();
  const given = Buffer.from(token.slice(dot2 + 1), 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  const claims = JSON.parse(Buffer.from(token.slice(dot1 + 1, dot2), 'base64url').toString('utf8'));
  if (claims.typ !== 'access' || typeof claims.exp !== 'number' || claims.exp <= Date.now() / 1000) return undefined;
  return { sub: String(claims.sub), sid: String(claims.sid) };
}

async function main(): Promise<void> {
  const url = process.env.DATABASE_URL ?? '';
  let load: (userId: string, sessionId: string) => Promise<[UserRow | undefined, TenantRow[]]>;
  if (url.startsWith('sqlite:')) {
    const db = new Database(url.slice('sqlite:'.length), { readonly: true });
    const session = db.prepare(SESSION_SQL.replace(/\$\d/g, '?'));
    const tenants = db.prepare(TENANTS_SQL.replace(/\$\d/g, '?'));
    load = async (userId, sessionId) => {
      const user = session.get(userId, sessionId) as UserRow | undefined;
      return [user, user ? (tenants.all(userId) as TenantRow[]) : []];
    };
  } else {
    const schema = process.env.DATABASE_SCHEMA;
    const pool = new pg.Pool({ connectionString: url, max: 10, options: schema ? `-c search_path=${schema}` : undefined });
    load = async (userId, sessionId) => {
      const user = (await pool.query({ name: 'ref-session', text: SESSION_SQL, values: [userId, sessionId] })).rows[0] as UserRow | undefined;
      return [user, user ? ((await pool.query({ name: 'ref-tenants', text: TENANTS_SQL, values: [userId] })).rows as TenantRow[]) : []];
    };
  }
  const app = Fastify();
  app.get('/auth/me', async (request, reply) => {
    const header = request.headers.authorization ?? '';
    const claims = header.startsWith('Bearer ') ? verify(header.slice(7)) : undefined;
    const [user, tenants] = claims ? await load(claims.sub, claims.sid) : [undefined, []];
    if (!user) return reply.code(401).header('content-type', 'application/json').send(UNAUTHORIZED);
    const body = {
      id: user.id,
      email: user.email,
      email_verified: Boolean(user.email_verified),
      is_admin: Boolean(user.is_admin),
      created_at: pyDatetime(user.created_at),
      tenants,
    };
    return reply.header('content-type', 'application/json').send(JSON.stringify(body));
  });
  await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
  process.stdout.write('ready\n');
  const stop = () => void app.close().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
