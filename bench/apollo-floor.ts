/**
 * Apollo's floor (issue 14): Fastify + Apollo Server through @as-integrations/fastify, as the
 * gateway mounts them, on a two-type schema whose `me` returns a constant (no authentication, no
 * database, no type-graphql). What `/graphql { me }` cannot beat on this stack: the benchmark
 * reports it beside the gateway, so the cost left in the gateway is told apart from Apollo's own.
 */
import fastifyApollo from '@as-integrations/fastify';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import Fastify from 'fastify';

const typeDefs = `
  type Tenant { id: ID! slug: String! name: String! role: String! }
  type Me { id: ID! email: String! emailVerified: Boolean! isAdmin: Boolean! createdAt: String! tenants: [Tenant!]! }
  type Query { me: Me }
`;
const ME = {
  id: '01a23558-24e0-7ab8-87d8-b06db5ac65be',
  email: 'root@example.com',
  emailVerified: true,
  isAdmin: true,
  createdAt: '2026-12-02T06:01:38.778Z',
  tenants: [{ id: '01a23558-24e0-7ab8-87d8-b06db5ac65bf', slug: 'busy', name: 'Busy', role: 'owner' }],
};

async function main(): Promise<void> {
  const apollo = new ApolloServer({
    typeDefs,
    resolvers: { Query: { me: () => ME } },
    csrfPrevention: true,
    allowBatchedHttpRequests: false,
    plugins: [ApolloServerPluginLandingPageDisabled(), ApolloServerPluginCacheControlDisabled()],
  });
  await apollo.start();
  const app = Fastify();
  await app.register(fastifyApollo(apollo));
  await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
  process.stdout.write('ready\n');
  process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
