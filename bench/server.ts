import 'reflect-metadata';
import { buildApp } from '../src/app';
import { loadConfig } from '../src/config';
import { ACCESS_TOKEN_TYPE } from '../src/graphql/authenticate';

/**
 * The gateway as the benchmark runs it, plus one reference route that exists only here:
 * `GET /__bench/me` does what `GET /auth/me` does (verify the JWT, check the session, load the
 * user and their tenants, answer the same JSON) straight on Fastify, with no GraphQL and no
 * bridge. Comparing the two measures the gateway's own overhead.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const app = await buildApp(config);
  const { jwt, db } = app.services;
  app.get('/__bench/me', async (request, reply) => {
    const header = request.headers.authorization ?? '';
    const claims = jwt.verify(header.slice('Bearer '.length), ACCESS_TOKEN_TYPE);
    const session = await db('users')
      .join('sessions', 'sessions.subject_id', 'users.id')
      .where('users.id', claims.sub)
      .where('sessions.id', String(claims.sid))
      .whereNull('sessions.revoked_at')
      .first('users.id');
    if (!session) return reply.code(401).send({ detail: 'Could not validate credentials' });
    const user = await db('users').where({ id: claims.sub }).first();
    const tenants = await db('tenants')
      .join('tenant_members', 'tenant_members.tenant_id', 'tenants.id')
      .where('tenant_members.user_id', user.id)
      .orderBy('tenants.slug')
      .select('tenants.id', 'tenants.slug', 'tenants.name', 'tenant_members.role');
    const body = {
      id: user.id,
      email: user.email,
      email_verified: Boolean(user.email_verified),
      is_admin: Boolean(user.is_admin),
      created_at: new Date(user.created_at).toISOString(),
      tenants,
    };
    return reply.header('content-type', 'application/json').send(JSON.stringify(body));
  });
  await app.listen({ port: config.port, host: '127.0.0.1' });
  process.stdout.write('ready\n');
  const stop = () => void app.close().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
