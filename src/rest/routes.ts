import { EmailInput, LoginInput, RefreshInput, RegisterInput, ResetPasswordInput, VerifyEmailInput } from '../modules/auth/auth.inputs';
import { pyDatetime } from './python-json';
import { ok, type CookieFamily, type LegacyResponse, type LegacyRoute, type RequestParts } from './route';
import { refreshCookieName } from './cookies';

/** Legacy TokenPair keys, in the legacy order (CONTRACT section 4). */
const TOKEN_PAIR = 'access_token: accessToken email_verified: emailVerified expires_in: expiresIn refresh_token: refreshToken token_type: tokenType';

interface TokenPairData {
  access_token: string;
  expires_in: number;
  refresh_token: string;
}

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
    operation: `mutation Register($input: RegisterInput!) { register(input: $input) { ${TOKEN_PAIR} } }`,
    variables: ({ body }) => ({ input: body }),
    respond: tokensWithCookies('register', 'operator'),
    errors: { 409: 'EMAIL_TAKEN' },
  },
  {
    method: 'POST',
    path: '/auth/login',
    tag: 'Auth',
    summary: 'Login',
    body: LoginInput,
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
    operation: 'mutation ResetPassword($input: ResetPasswordInput!) { resetPassword(input: $input) { message } }',
    variables: ({ body }) => ({ input: body }),
    respond: (data) => ok(data.resetPassword),
    errors: { 400: 'INVALID_RESET_TOKEN' },
  },
  {
    method: 'POST',
    path: '/auth/resend-verification',
    tag: 'Auth',
    summary: 'Resend Verification',
    body: EmailInput,
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
    operation: `mutation VerifyEmail($input: VerifyEmailInput!) { verifyEmail(input: $input) { ${TOKEN_PAIR} } }`,
    variables: ({ body }) => ({ input: body }),
    respond: tokensWithCookies('verifyEmail', 'operator'),
    errors: { 400: 'INVALID_CODE' },
  },
  {
    method: 'POST',
    path: '/auth/token',
    tag: 'Auth',
    summary: 'Token',
    description: 'OAuth2-style token endpoint for scripts: HTTP Basic `email:password`. Never sets cookies.',
    credentials: 'basic',
    unauthorizedHeaders: { 'www-authenticate': 'Basic' },
    operation: `mutation Token($input: TokenCredentialsInput!) { token(input: $input) { ${TOKEN_PAIR} } }`,
    variables: ({ basic }) => ({ input: { email: basic?.username ?? '', password: basic?.password ?? '' } }),
    respond: (data) => ok(data.token),
    errors: { 401: 'INVALID_CREDENTIALS', 429: 'RATE_LIMITED' },
  },
  // --- Customer signup ------------------------------------------------------------------------
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


