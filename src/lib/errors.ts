import { GraphQLError } from 'graphql';

// Legacy answers that more than one code gives on REST (see the token-kind codes below).
const INVALID_TOKEN = { status: 401, detail: 'Could not validate credentials', headers: { 'www-authenticate': 'Bearer' } } as const;
const FORBIDDEN = { status: 403, detail: 'Not enough permissions' } as const;

/**
 * Every error the gateway answers with, defined once: its code (GraphQL
 * `extensions.code`), its HTTP status and its legacy `detail` message (CONTRACT section 2
 * and 4). Resolvers throw `DomainError`s; the REST bridge turns them into
 * `{"detail": ...}` with the status and headers listed here. `/graphql` shows `detail` as
 * the message, unless the entry words its own `message` (docs/graphql-errors.md lists what a
 * client should do for each code).
 */
export const ERRORS = {
  // HTTP-level (the REST bridge itself)
  NOT_FOUND: { status: 404, detail: 'Not Found' },
  METHOD_NOT_ALLOWED: { status: 405, detail: 'Method Not Allowed' },
  BODY_TOO_LARGE: { status: 413, detail: 'Request body too large' },
  BODY_UNREADABLE: { status: 400, detail: 'There was an error parsing the body' },
  NUL_CHARACTER: { status: 400, detail: 'Text must not contain NUL characters' },
  INTERNAL_SERVER_ERROR: { status: 500, detail: 'Internal Server Error' },
  // Trusted documents at /graphql (GRAPHQL_TRUSTED_DOCUMENTS, GRAPHQL_TRUSTED_ONLY; docs/trusted-documents.md)
  PERSISTED_DOCUMENT_NOT_FOUND: { status: 400, detail: 'Unknown documentId: no trusted document has this id' },
  TRUSTED_DOCUMENT_REQUIRED: { status: 400, detail: 'Only trusted documents are accepted: send the documentId of an operation in the manifest' },
  // Authentication and authorisation
  NOT_AUTHENTICATED: { status: 401, detail: 'Not authenticated', headers: { 'www-authenticate': 'Bearer' } },
  BASIC_NOT_AUTHENTICATED: { status: 401, detail: 'Not authenticated', headers: { 'www-authenticate': 'Basic' } },
  INVALID_TOKEN,
  // Valid credentials of a kind the operation does not take (`extensions.expected` lists the
  // kinds it does). The legacy service answered them as any bad token (401) or as a missing
  // permission (403), and REST still does, byte for byte; `/graphql` says what to send instead.
  OPERATOR_TOKEN_REQUIRED: { ...INVALID_TOKEN, message: "This operation needs an operator's access token" },
  CUSTOMER_TOKEN_REQUIRED: { ...INVALID_TOKEN, message: "This operation needs a customer's (portal) access token" },
  PERSON_TOKEN_REQUIRED: { ...FORBIDDEN, message: "This operation needs a signed-in person's access token, not an API key" },
  EMAIL_NOT_VERIFIED: { status: 403, detail: 'Email not verified' },
  FORBIDDEN,
  RATE_LIMITED: { status: 429, detail: 'Too many requests' },
  // Operator accounts
  EMAIL_TAKEN: { status: 409, detail: 'Email already registered' },
  INVALID_CREDENTIALS: { status: 401, detail: 'Invalid email or password' },
  INVALID_REFRESH_TOKEN: { status: 401, detail: 'Invalid refresh token' },
  INVALID_CODE: { status: 400, detail: 'Invalid or expired code' },
  INVALID_RESET_TOKEN: { status: 400, detail: 'Invalid or expired token' },
  // Second factors (issue 18; docs/security.md, "Second factors")
  MFA_REQUIRED: {
    status: 401,
    detail: 'Multi-factor authentication required',
    message: 'Multi-factor authentication required: send a TOTP or recovery code to verifyMfa with extensions.mfaToken',
  },
  INVALID_MFA_CODE: { status: 401, detail: 'Invalid authentication code' },
  INVALID_MFA_TOKEN: { status: 401, detail: 'Invalid or expired MFA token', message: 'Invalid or expired MFA token: sign in again' },
  STEP_UP_REQUIRED: {
    status: 403,
    detail: 'Step-up authentication required',
    message: 'This operation needs a session that proved a second factor (acr aal2): call stepUp with a TOTP or recovery code, or sign in with a passkey',
  },
  TOTP_ALREADY_ENABLED: { status: 409, detail: 'TOTP is already enabled' },
  TOTP_NOT_ENABLED: { status: 409, detail: 'TOTP is not enabled' },
  TOTP_ENROLLMENT_NOT_STARTED: { status: 409, detail: 'No TOTP enrollment in progress', message: 'No TOTP enrollment in progress: call startTotpEnrollment first' },
  EMAIL_UNCHANGED: { status: 400, detail: 'This is already the address of the account' },
  // Tenancy
  TENANT_NOT_FOUND: { status: 404, detail: 'Tenant not found' },
  TENANT_SLUG_TAKEN: { status: 409, detail: 'Tenant slug already taken' },
  PLAN_NAME_TAKEN: { status: 409, detail: 'A plan with this name already exists' },
  NODE_NOT_FOUND: { status: 404, detail: 'Shared node not found' },
  NODE_HOSTNAME_TAKEN: { status: 409, detail: 'A shared node with this hostname already exists' },
  NO_CAPACITY: { status: 503, detail: 'No shared hosting capacity available' },
  SITE_SLUG_TAKEN: { status: 409, detail: 'Site slug already taken' },
  USER_NOT_FOUND: { status: 404, detail: 'User not found' },
  MEMBER_NOT_FOUND: { status: 404, detail: 'Member not found' },
  LAST_OWNER: { status: 409, detail: 'A tenant must keep at least one owner' },
  // Customers
  UNKNOWN_PLAN: { status: 400, detail: 'Unknown plan' },
  CUSTOMER_EXISTS: { status: 409, detail: 'An account with this email already exists' },
  CUSTOMER_NOT_FOUND: { status: 404, detail: 'Customer not found' },
  INSTANCE_NOT_FOUND: { status: 404, detail: 'Instance not found' },
  // PINs and API keys
  PIN_NOT_SET: { status: 404, detail: 'PIN not set' },
  INVALID_PIN: { status: 400, detail: 'Invalid PIN' },
  PIN_LOCKED: { status: 423, detail: 'PIN locked' },
  CURRENT_PASSWORD_REQUIRED: { status: 403, detail: 'Current password required' },
  INVALID_CURRENT_PASSWORD: { status: 403, detail: 'Invalid password' },
  API_KEY_NOT_FOUND: { status: 404, detail: 'API key not found' },
  // Passkeys (WebAuthn): one answer for every refused ceremony, so a response tells an attacker
  // nothing about which check it failed (unknown credential, signature, origin, RP ID, user
  // verification, a used or expired challenge, a counter that went back).
  PASSKEY_INVALID: {
    status: 400,
    detail: 'Invalid passkey response',
    message: 'The passkey response was refused (unknown passkey, failed verification, wrong site, or a used or expired challenge): start again',
  },
  PASSKEY_NOT_FOUND: { status: 404, detail: 'Passkey not found' },
  // Webhooks (docs/webhooks.md)
  WEBHOOK_NOT_FOUND: { status: 404, detail: 'Webhook not found' },
  WEBHOOK_DELIVERY_NOT_FOUND: { status: 404, detail: 'Webhook delivery not found' },
  WEBHOOK_URL_REFUSED: {
    status: 400,
    detail: 'Webhook URL refused',
    message: 'Webhook URL refused: it must be an absolute http(s) URL (https in production) whose host resolves only to public addresses',
  },
  WEBHOOK_LIMIT_REACHED: { status: 409, detail: 'Too many webhooks for this tenant', message: 'This tenant has the most webhooks it may have (20): delete one first' },
  UNKNOWN_WEBHOOK_EVENT: { status: 400, detail: 'Unknown webhook event type', message: 'Webhook events must be a non-empty list of known event types (docs/webhooks.md lists them)' },
  TENANT_SLUG_REQUIRED: { status: 400, detail: 'tenantSlug is required', message: 'tenantSlug is required for an operator (an API key acts for its own tenant)' },
} as const satisfies Record<string, { status: number; detail: string; headers?: Record<string, string>; message?: string }>;

export type ErrorCode = keyof typeof ERRORS;
export type ErrorSpec = (typeof ERRORS)[ErrorCode];

/** The message `/graphql` shows for a code: its own `message`, or the legacy `detail`. */
export function graphqlMessage(code: ErrorCode): string {
  const spec: ErrorSpec = ERRORS[code];
  return 'message' in spec ? spec.message : spec.detail;
}

/** The code GraphQL reports for request validation failures; `extensions.detail` is the 422 list. */
export const VALIDATION_ERROR_CODE = 'BAD_USER_INPUT';

export class DomainError extends GraphQLError {
  /**
   * `retryAfter` (seconds) goes with RATE_LIMITED and becomes the `Retry-After` header;
   * `expected` (the kinds of caller an operation takes) goes with the token-kind codes;
   * `mfaToken` goes with MFA_REQUIRED on `/graphql` (REST never shows it).
   */
  constructor(
    readonly code: ErrorCode,
    details: { retryAfter?: number; expected?: readonly string[]; mfaToken?: string } = {},
  ) {
    super(graphqlMessage(code), { extensions: { code, ...details } });
    this.name = 'DomainError';
  }
}

export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.prototype.hasOwnProperty.call(ERRORS, code);
}
