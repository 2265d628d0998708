import { EmailInput, LoginInput, RefreshInput, RegisterInput, ResetPasswordInput, VerifyEmailInput } from '../modules/auth/auth.inputs';
import { CustomerCodeInput, CustomerLoginInput } from '../modules/customer-auth/customer.inputs';
import { SignupInput } from '../modules/signup/signup.inputs';
import { ConfirmPinInput, PinPolicyPatchInput, SetPinInput } from '../modules/pins/pin.inputs';
import { PIN_LOCK_MS, PIN_MAX_FAILURES } from '../modules/pins/pin.model';
import { inWords } from '../lib/durations';
import { ERRORS } from '../lib/errors';
import { pyDatetime } from '../pydantic/json';
import { ok, type CookieFamily, type LegacyResponse, type LegacyRoute, type RequestParts } from './route';
import { refreshCookieName } from './cookies';

/** Legacy TokenPair and CustomerTokens keys, in the legacy order (CONTRACT section 4). */
const TOKEN_PAIR = 'access_token: accessToken email_verified: emailVerified expires_in: expiresIn refresh_token: refreshToken token_type: tokenType';
const CUSTOMER_TOKENS =
  'access_token: accessToken customer_id: customerId expires_in: expiresIn refresh_token: refreshToken tenant_id: tenantId token_type: tokenType';

interface TokenPairData {
  access_token: string;
  expires_in: number;
  refresh_token: string;
}

/** Legacy PinStatus and PinPolicy keys (CONTRACT section 4). */
const PIN_STATUS = 'created_at: createdAt has_pin: hasPin is_active: isActive is_locked: isLocked locked_until: lockedUntil';
const PIN_POLICY = 'instance_id: instanceId pin_applies_to: pinAppliesTo pin_required_skills: pinRequiredSkills pin_session_ttl_minutes: pinSessionTtlMinutes';

/** Timestamps as pydantic writes them; `null` stays `null`. */
const withPyDates = (value: Record<string, unknown>, ...keys: string[]): Record<string, unknown> => {
  const out = { ...value };
  for (const key of keys) if (typeof out[key] === 'string') out[key] = pyDatetime(out[key] as string);
  return out;
};
const pinStatus = (field: string) => (data: Record<string, unknown>) => ok(withPyDates(data[field] as Record<string, unknown>, 'created_at', 'locked_until'));

/** A token pair as the body, and as the family's cookies. */
const tokensWithCookies =
  (field: string, family: CookieFamily) =>
  (data: Record<string, unknown>): LegacyResponse => {
    const pair = data[field] as TokenPairData;
    return {
      status: 200,
      body: pair,
      cookies: { family, set: { accessToken: pair.access_token, refreshToken: pair.refresh_token, accessMaxAge: pair.expires_in } },
    };
  };

/** `refresh_token: ""` (the default) means "take it from the cookie" (CONTRACT section 3). */
const refreshTokenFrom = (family: CookieFamily) => ({ body, cookies }: RequestParts) => ({
  input: { refreshToken: (body?.refreshToken as string | undefined) || cookies[refreshCookieName(family)] || '' },
});

/**
 * Every legacy REST endpoint, one entry each, in the legacy docs' order. Each runs exactly
 * one GraphQL operation; aliases in its selection set give the legacy JSON keys and order.
 */
export const legacyRoutes: readonly LegacyRoute[] = [
  // --- Auth ---------------------------------------------------------------------------------
  {
    method: 'POST',
    path: '/auth/register',
    tag: 'Auth',
    summary: 'Register',
    description: 'Create an operator account, mail a verification code, and sign in.',
    body: RegisterInput,
    example: { email: 'owner@example.com', password: 'correct horse battery staple' },
    operation: `mutation Register($input: RegisterInput!) { register(input: $input) { ${TOKEN_PAIR} } }`,
    variables: ({ body }) => ({ input: body }),
    respond: tokensWithCookies('register', 'operator'),
    errors: { 409: 'EMAIL_TAKEN', 429: 'RATE_LIMITED' },
  },
  {
    method: 'POST',
    path: '/auth/login',
    tag: 'Auth',
    summary: 'Login',
    description: `Sign in with email and password. An account with a second factor also needs \`otp\`, a TOTP or recovery code: without it, 401 \`${ERRORS.MFA_REQUIRED.detail}\`; wrong, 401 \`${ERRORS.INVALID_MFA_CODE.detail}\`. Other accounts ignore it.`,
    body: LoginInput,
    example: { email: 'owner@example.com', password: 'correct horse battery staple' },
    operation: `mutation Login($input: LoginInput!) { login(input: $input) { ${TOKEN_PAIR} } }`,
    variables: ({ body }) => ({ input: body }),
    respond: tokensWithCookies('login', 'operator'),
    errors: { 401: 'INVALID_CREDENTIALS', 429: 'RATE_LIMITED' },
  },
  {
    method: 'POST',
    path: '/auth/logout',
    tag: 'Auth',
    summary: 'Logout',
    body: RefreshInput,
    example: { refresh_token: '' },
    operation: 'mutation Logout($input: RefreshInput!) { logout(input: $input) }',
    variables: refreshTokenFrom('operator'),
    respond: () => ({ status: 204, cookies: { family: 'operator', clear: true } }),
  },
  {
    method: 'GET',
    path: '/auth/me',
    tag: 'Auth',
    summary: 'Me',
    operation: `query Me {
      me { id email email_verified: emailVerified is_admin: isAdmin created_at: createdAt tenants { id slug name role } }
    }`,
    variables: () => ({}),
    respond: (data) => {
      const me = data.me as Record<string, unknown>;
      return ok({ ...me, created_at: pyDatetime(me.created_at as string) });
    },
    errors: { 401: 'INVALID_TOKEN' },
  },
  {
    method: 'POST',
    path: '/auth/refresh',
    tag: 'Auth',
    summary: 'Refresh',
    body: RefreshInput,
    example: { refresh_token: '' },
    operation: `mutation Refresh($input: RefreshInput!) { refresh(input: $input) { ${TOKEN_PAIR} } }`,
    variables: refreshTokenFrom('operator'),
    respond: tokensWithCookies('refresh', 'operator'),
    errors: { 401: 'INVALID_REFRESH_TOKEN' },
  },
  {
    method: 'POST',
    path: '/auth/forgot-password',
    tag: 'Auth',
    summary: 'Forgot Password',
    body: EmailInput,
    example: { email: 'owner@example.com' },
    operation: 'mutation ForgotPassword($input: EmailInput!) { forgotPassword(input: $input) { message } }',
    variables: ({ body }) => ({ input: body }),
    respond: (data) => ok(data.forgotPassword),
    errors: { 429: 'RATE_LIMITED' },
  },
  {
    method: 'POST',
    path: '/auth/reset-password',
    tag: 'Auth',
    summary: 'Reset Password',
    body: ResetPasswordInput,
    example: { new_password: 'a brand new passphrase', token: '<the token from the mailed link>' },
    operation: 'mutation ResetPassword($input: ResetPasswordInput!) { resetPassword(input: $input) { message } }',
    variables: ({ body }) => ({ input: body }),
    respond: (data) => ok(data.resetPassword),
    errors: { 400: 'INVALID_RESET_TOKEN', 429: 'RATE_LIMITED' },
  },
  {
    method: 'POST',
    path: '/auth/resend-verification',
    tag: 'Auth',
    summary: 'Resend Verification',
    body: EmailInput,
    example: { email: 'owner@example.com' },
    operation: 'mutation ResendVerification($input: EmailInput!) { resendVerification(input: $input) { message } }',
    variables: ({ body }) => ({ input: body }),
    respond: (data) => ok(data.resendVerification),
    errors: { 429: 'RATE_LIMITED' },
  },
  {
    method: 'POST',
    path: '/auth/verify-email',
    tag: 'Auth',
    summary: 'Verify Email',
    body: VerifyEmailInput,
    example: { code: '123456', email: 'owner@example.com' },
    operation: `mutation VerifyEmail($input: VerifyEmailInput!) { verifyEmail(input: $input) { ${TOKEN_PAIR} } }`,
    variables: ({ body }) => ({ input: body }),
    respond: tokensWithCookies('verifyEmail', 'operator'),
    errors: { 400: 'INVALID_CODE', 429: 'RATE_LIMITED' },
  },
  {
    method: 'POST',
    path: '/auth/token',
    tag: 'Auth',
    summary: 'Token',
    description: `OAuth2-style token endpoint for scripts: HTTP Basic \`email:password\`, and for an account with a second factor a TOTP or recovery code, in the \`X-OTP\` header or as \`otp\` in a JSON or urlencoded form body (the header wins when both are sent; without either 401 \`${ERRORS.MFA_REQUIRED.detail}\`). Any other body, field or value is ignored, never a 422. Never sets cookies.`,
    credentials: 'basic',
    headerParams: { 'X-OTP': 'A TOTP or recovery code, for an account with a second factor (ignored for others). Wins over a body `otp`.' },
    bodyFields: { otp: 'A TOTP or recovery code, for an account with a second factor (ignored for others), when no X-OTP header is sent. Used only when it is a string.' },
    unauthorizedHeaders: { 'www-authenticate': 'Basic' },
    operation: `mutation Token($input: TokenCredentialsInput!) { token(input: $input) { ${TOKEN_PAIR} } }`,
    variables: ({ basic, headers, bodyFields }) => ({ input: { email: basic?.username ?? '', password: basic?.password ?? '', otp: headers['X-OTP'] || bodyFields.otp } }),
    respond: (data) => ok(data.token),
    errors: { 401: 'INVALID_CREDENTIALS', 429: 'RATE_LIMITED' },
  },
  // --- Customer auth --------------------------------------------------------------------------
  {
    method: 'POST',
    path: '/v1/customer-auth/login',
    tag: 'Customer auth',
    summary: 'Customer Login',
    description: 'Mail a 6-digit login code to an active customer of the tenant. Always answers {}.',
    body: CustomerLoginInput,
    example: { email: 'owner@acme.example', tenant_slug: 'demo' },
    operation: 'mutation CustomerLogin($input: CustomerLoginInput!) { customerLogin(input: $input) }',
    variables: ({ body }) => ({ input: body }),
    respond: () => ok({}),
    errors: { 429: 'RATE_LIMITED' },
  },
  {
    method: 'POST',
    path: '/v1/customer-auth/verify',
    tag: 'Customer auth',
    summary: 'Customer Verify',
    description: 'Verify a login code; answers portal tokens and sets the portal cookies.',
    body: CustomerCodeInput,
    example: { code: '123456', email: 'owner@acme.example', tenant_slug: 'demo' },
    operation: `mutation CustomerVerify($input: CustomerCodeInput!) { customerVerify(input: $input) { ${CUSTOMER_TOKENS} } }`,
    variables: ({ body }) => ({ input: body }),
    respond: tokensWithCookies('customerVerify', 'portal'),
    errors: { 400: 'INVALID_CODE', 429: 'RATE_LIMITED' },
  },
  {
    method: 'POST',
    path: '/v1/customer-auth/token',
    tag: 'Customer auth',
    summary: 'Customer Token',
    description: 'Verify a login code; answers portal tokens and never sets cookies.',
    body: CustomerCodeInput,
    example: { code: '123456', email: 'owner@acme.example', tenant_slug: 'demo' },
    operation: `mutation CustomerToken($input: CustomerCodeInput!) { customerVerify(input: $input) { ${CUSTOMER_TOKENS} } }`,
    variables: ({ body }) => ({ input: body }),
    respond: (data) => ok(data.customerVerify),
    errors: { 400: 'INVALID_CODE', 429: 'RATE_LIMITED' },
  },
  {
    method: 'POST',
    path: '/v1/customer-auth/refresh',
    tag: 'Customer auth',
    summary: 'Customer Refresh',
    body: RefreshInput,
    example: { refresh_token: '' },
    operation: `mutation CustomerRefresh($input: RefreshInput!) { customerRefresh(input: $input) { ${CUSTOMER_TOKENS} } }`,
    variables: refreshTokenFrom('portal'),
    respond: tokensWithCookies('customerRefresh', 'portal'),
    errors: { 401: 'INVALID_REFRESH_TOKEN' },
  },
  {
    method: 'POST',
    path: '/v1/customer-auth/logout',
    tag: 'Customer auth',
    summary: 'Customer Logout',
    body: RefreshInput,
    example: { refresh_token: '' },
    operation: 'mutation CustomerLogout($input: RefreshInput!) { customerLogout(input: $input) }',
    variables: refreshTokenFrom('portal'),
    respond: () => ({ status: 204, cookies: { family: 'portal', clear: true } }),
  },
  // --- Customer signup ------------------------------------------------------------------------
  {
    method: 'POST',
    path: '/v1/public/signup',
    tag: 'Customer signup',
    summary: 'Create Signup',
    description: 'Create a new customer account and auto-place on a shared node. Sends a verification code.',
    body: SignupInput,
    example: { company_name: 'Acme Widgets', email: 'owner@acme.example', plan: 'starter', tenant_slug: 'demo' },
    operation: 'mutation Signup($input: SignupInput!) { signup(input: $input) { customer_id: customerId message site_url: siteUrl } }',
    variables: ({ body }) => ({ input: body }),
    respond: (data) => ok(data.signup),
    errors: { 400: 'UNKNOWN_PLAN', 404: 'TENANT_NOT_FOUND', 409: 'CUSTOMER_EXISTS', 429: 'RATE_LIMITED', 503: 'NO_CAPACITY' },
  },
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
  {
    method: 'POST',
    path: '/v1/public/signup/verify',
    tag: 'Customer signup',
    summary: 'Verify Signup',
    description: 'Verify the signup code: the customer becomes active; answers portal tokens and sets the portal cookies.',
    body: CustomerCodeInput,
    example: { code: '123456', email: 'owner@acme.example', tenant_slug: 'demo' },
    operation: `mutation SignupVerify($input: CustomerCodeInput!) { signupVerify(input: $input) { ${CUSTOMER_TOKENS} } }`,
    variables: ({ body }) => ({ input: body }),
    respond: tokensWithCookies('signupVerify', 'portal'),
    errors: { 400: 'INVALID_CODE', 429: 'RATE_LIMITED' },
  },
  // --- PIN confirmation -------------------------------------------------------------------------
  {
    method: 'GET',
    path: '/v1/customers/{customer_id}/pin',
    tag: 'PIN confirmation',
    summary: 'Get Customer Pin Status',
    pathParams: { customer_id: 'uuid' },
    operation: `query CustomerPin($id: ID!) { customerPin(customerId: $id) { ${PIN_STATUS} } }`,
    variables: ({ path }) => ({ id: path.customer_id }),
    respond: pinStatus('customerPin'),
    errors: { 401: 'NOT_AUTHENTICATED', 403: 'FORBIDDEN', 404: 'CUSTOMER_NOT_FOUND', 429: 'RATE_LIMITED' },
  },
  {
    method: 'POST',
    path: '/v1/customers/{customer_id}/pin',
    tag: 'PIN confirmation',
    summary: 'Set Customer Pin',
    pathParams: { customer_id: 'uuid' },
    body: SetPinInput,
    example: { pin: '1234' },
    operation: `mutation SetCustomerPin($id: ID!, $input: SetPinInput!) { setCustomerPin(customerId: $id, input: $input) { ${PIN_STATUS} } }`,
    variables: ({ path, body }) => ({ id: path.customer_id, input: body }),
    respond: pinStatus('setCustomerPin'),
    errors: { 401: 'NOT_AUTHENTICATED', 403: 'FORBIDDEN', 404: 'CUSTOMER_NOT_FOUND', 429: 'RATE_LIMITED' },
  },
  {
    method: 'DELETE',
    path: '/v1/customers/{customer_id}/pin',
    tag: 'PIN confirmation',
    summary: 'Remove Customer Pin',
    pathParams: { customer_id: 'uuid' },
    operation: 'mutation RemoveCustomerPin($id: ID!) { removeCustomerPin(customerId: $id) }',
    variables: ({ path }) => ({ id: path.customer_id }),
    respond: () => ({ status: 204 }),
    errors: { 401: 'NOT_AUTHENTICATED', 403: 'FORBIDDEN', 404: 'PIN_NOT_SET', 429: 'RATE_LIMITED' },
  },
  {
    method: 'GET',
    path: '/v1/instances/{instance_id}/pin-policy',
    tag: 'PIN confirmation',
    summary: 'Get Pin Policy',
    pathParams: { instance_id: 'uuid' },
    operation: `query PinPolicy($id: ID!) { pinPolicy(instanceId: $id) { ${PIN_POLICY} } }`,
    variables: ({ path }) => ({ id: path.instance_id }),
    respond: (data) => ok(data.pinPolicy),
    errors: { 401: 'NOT_AUTHENTICATED', 404: 'INSTANCE_NOT_FOUND', 429: 'RATE_LIMITED' },
  },
  {
    method: 'PATCH',
    path: '/v1/instances/{instance_id}/pin-policy',
    tag: 'PIN confirmation',
    summary: 'Update Pin Policy',
    pathParams: { instance_id: 'uuid' },
    body: PinPolicyPatchInput,
    example: { pin_applies_to: 'all', pin_required_skills: ['deploy'], pin_session_ttl_minutes: 30 },
    operation: `mutation UpdatePinPolicy($id: ID!, $input: PinPolicyPatchInput!) { updatePinPolicy(instanceId: $id, input: $input) { ${PIN_POLICY} } }`,
    variables: ({ path, body }) => ({ id: path.instance_id, input: body }),
    respond: (data) => ok(data.updatePinPolicy),
    errors: { 401: 'NOT_AUTHENTICATED', 403: 'FORBIDDEN', 404: 'INSTANCE_NOT_FOUND', 429: 'RATE_LIMITED' },
  },
  {
    method: 'GET',
    path: '/v1/me/pin',
    tag: 'PIN confirmation',
    summary: 'Get My Pin Status',
    operation: `query MyPin { myPin { ${PIN_STATUS} } }`,
    variables: () => ({}),
    respond: pinStatus('myPin'),
    errors: { 401: 'NOT_AUTHENTICATED', 403: 'FORBIDDEN' },
  },
  {
    method: 'POST',
    path: '/v1/instances/{instance_id}/pin/confirm',
    tag: 'PIN confirmation',
    summary: 'Confirm Pin',
    description: `Confirm the PIN for a skill: ${PIN_MAX_FAILURES} wrong PINs in a row lock it for ${inWords(PIN_LOCK_MS)}; a right one opens a PIN session for the policy TTL.`,
    pathParams: { instance_id: 'uuid' },
    body: ConfirmPinInput,
    example: { pin: '1234', skill: 'deploy' },
    operation: 'mutation ConfirmPin($id: ID!, $input: ConfirmPinInput!) { confirmPin(instanceId: $id, input: $input) { confirmed expires_at: expiresAt required } }',
    variables: ({ path, body }) => ({ id: path.instance_id, input: body }),
    respond: (data) => ok(withPyDates(data.confirmPin as Record<string, unknown>, 'expires_at')),
    errors: { 400: 'INVALID_PIN', 401: 'NOT_AUTHENTICATED', 404: 'INSTANCE_NOT_FOUND', 423: 'PIN_LOCKED' },
  },
];


