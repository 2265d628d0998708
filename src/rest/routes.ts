import { ok, type LegacyRoute } from './route';

/**
 * Every legacy REST endpoint, one entry each, in the legacy docs' order. Each runs exactly
 * one GraphQL operation; aliases in its selection set give the legacy JSON keys and order.
 */
export const legacyRoutes: readonly LegacyRoute[] = [
  {
    method: 'GET',
    path: '/v1/public/signup/plans/{tenant_slug}',
    tag: 'Customer signup',
    summary: 'List Plans',
    description: "List available plans for a tenant's shared hosting.",
    pathParams: { tenant_slug: 'string' },
    operation: /* GraphQL */ `
      query PublicPlans($tenantSlug: String!) {
        publicPlans(tenantSlug: $tenantSlug) { description features name price }
      }`,
    variables: ({ path }) => ({ tenantSlug: path.tenant_slug }),
    respond: (data) => ok(data.publicPlans),
    errors: { 404: 'TENANT_NOT_FOUND' },
  },
];
