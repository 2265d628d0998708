import type { TestApp } from './app';
import { lastCodeFor, post } from './auth';
import { seedNode, seedPlan, seedTenant } from './seed';

export interface CustomerTokensBody {
  access_token: string;
  customer_id: string;
  expires_in: number;
  refresh_token: string;
  tenant_id: string;
  token_type: string;
}

/** A tenant with plans `starter` (active), `pro` (active) and `old` (inactive) and one node. */
export async function seedShop(t: TestApp, slug: string, capacity = 100): Promise<void> {
  await seedTenant(t, slug, `${slug} hosting`);
  await seedPlan(t, { tenantSlug: slug, name: 'starter', price: '9.99', displayOrder: 1 });
  await seedPlan(t, { tenantSlug: slug, name: 'pro', price: '29.99', displayOrder: 2 });
  await seedPlan(t, { tenantSlug: slug, name: 'old', price: '1.00', active: false });
  if (capacity > 0) await seedNode(t, { hostname: `n1.${slug}.example.com`, baseDomain: `sites.${slug}.example.com`, capacity, tenantSlug: slug });
}

export async function signup(t: TestApp, tenantSlug: string, email: string, companyName = 'Acme Widgets') {
  return post(t, '/v1/public/signup', { company_name: companyName, email, tenant_slug: tenantSlug });
}

/** An active customer, signed in through signup verification. */
export async function activeCustomer(t: TestApp, tenantSlug: string, email: string, companyName = 'Acme Widgets'): Promise<CustomerTokensBody> {
  const res = await signup(t, tenantSlug, email, companyName);
  if (res.statusCode !== 200) throw new Error(`signup failed: ${res.statusCode} ${res.body}`);
  const verified = await post(t, '/v1/public/signup/verify', { code: await lastCodeFor(t, email), email, tenant_slug: tenantSlug });
  if (verified.statusCode !== 200) throw new Error(`verify failed: ${verified.statusCode} ${verified.body}`);
  return verified.json();
}
