/**
 * The GraphQL operations behind the `hydracore` commands: the CLI has no logic of its own,
 * it runs the same operations a platform admin can send to `/graphql`.
 */
export const CREATE_TENANT = /* GraphQL */ `
  mutation CreateTenant($input: CreateTenantInput!) {
    createTenant(input: $input) { id slug name createdAt }
  }`;

export const TENANTS = /* GraphQL */ `
  query Tenants {
    tenants { id slug name createdAt }
  }`;

export const CREATE_PLAN = /* GraphQL */ `
  mutation CreatePlan($input: CreatePlanInput!) {
    createPlan(input: $input) { id name description features price displayOrder active }
  }`;

export const ADD_SHARED_NODE = /* GraphQL */ `
  mutation AddSharedNode($input: AddSharedNodeInput!) {
    addSharedNode(input: $input) { id tenantId hostname baseDomain capacity used free }
  }`;

export const CREATE_INSTANCE = /* GraphQL */ `
  mutation CreateInstance($input: CreateInstanceInput!) {
    createInstance(input: $input) { id tenantId nodeId slug siteUrl status createdAt }
  }`;

export const CREATE_ADMIN = /* GraphQL */ `
  mutation CreateAdmin($input: RegisterInput!) {
    createAdmin(input: $input) { id email emailVerified isAdmin createdAt }
  }`;

export const RESET_OPERATOR_FACTORS = /* GraphQL */ `
  mutation ResetOperatorFactors($input: EmailInput!) {
    resetOperatorFactors(input: $input)
  }`;

export const PROMOTE_ADMIN = /* GraphQL */ `
  mutation PromoteAdmin($input: EmailInput!) {
    promoteAdmin(input: $input) { id email emailVerified isAdmin createdAt }
  }`;

export const ADMINS = /* GraphQL */ `
  query Admins {
    admins { id email emailVerified isAdmin createdAt }
  }`;

export const SET_MEMBER = /* GraphQL */ `
  mutation SetMember($input: MemberInput!) {
    setMember(input: $input) { userId email role }
  }`;

export const REMOVE_MEMBER = /* GraphQL */ `
  mutation RemoveMember($input: MemberRefInput!) {
    removeMember(input: $input)
  }`;

export const MEMBERS = /* GraphQL */ `
  query Members($tenantSlug: String!) {
    members(tenantSlug: $tenantSlug) { userId email role }
  }`;

export const CREATE_API_KEY = /* GraphQL */ `
  mutation CreateApiKey($input: CreateApiKeyInput!) {
    createApiKey(input: $input) { key apiKey { id tenantId name prefix requestsPerMinute createdAt } }
  }`;

const API_KEY_FIELDS = 'id tenantId name prefix requestsPerMinute createdAt lastUsedAt revokedAt';

export const API_KEYS = /* GraphQL */ `
  query ApiKeys($tenantSlug: String!) {
    apiKeys(tenantSlug: $tenantSlug) { ${API_KEY_FIELDS} }
  }`;

export const REVOKE_API_KEY = /* GraphQL */ `
  mutation RevokeApiKey($id: ID!) {
    revokeApiKey(id: $id) { ${API_KEY_FIELDS} }
  }`;

const CUSTOMER_FIELDS = 'id tenantId email companyName plan status siteUrl createdAt';

export const CUSTOMERS = /* GraphQL */ `
  query Customers($input: CustomerListInput!) {
    customers(input: $input) { nodes { ${CUSTOMER_FIELDS} } endCursor hasNextPage }
  }`;

export const SUSPEND_CUSTOMER = /* GraphQL */ `
  mutation SuspendCustomer($id: ID!) {
    suspendCustomer(id: $id) { ${CUSTOMER_FIELDS} }
  }`;

export const UNSUSPEND_CUSTOMER = /* GraphQL */ `
  mutation UnsuspendCustomer($id: ID!) {
    unsuspendCustomer(id: $id) { ${CUSTOMER_FIELDS} }
  }`;

export const RETRY_FAILED_MAIL = /* GraphQL */ `
  mutation RetryFailedMail {
    retryFailedMail { requeued }
  }`;
