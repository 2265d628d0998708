/**
 * The GraphQL operations behind the `hydracore` commands: the CLI has no logic of its own,
 * it runs the same admin mutations a platform admin can send to `/graphql`.
 */
export const CREATE_TENANT = /* GraphQL */ `
  mutation CreateTenant($input: CreateTenantInput!) {
    createTenant(input: $input) { id slug name createdAt }
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
    createAdmin(input: $input) { id email emailVerified isAdmin }
  }`;

export const CREATE_API_KEY = /* GraphQL */ `
  mutation CreateApiKey($input: CreateApiKeyInput!) {
    createApiKey(input: $input) { key apiKey { id tenantId name prefix createdAt } }
  }`;

export const RETRY_FAILED_MAIL = /* GraphQL */ `
  mutation RetryFailedMail {
    retryFailedMail { requeued }
  }`;
