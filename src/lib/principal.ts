import type { ProvedAssurance } from './assurance';

/** Who is calling, once their credentials were checked. */
export type Principal =
  | { kind: 'anonymous' }
  /** The platform itself: the `hydracore` CLI running on the server's own database. */
  | { kind: 'system' }
  /** `assurance`: what the access token says its session proved, and when (`amr`, `acr`, `auth_time`). */
  | { kind: 'operator'; userId: string; sessionId: string; emailVerified: boolean; isAdmin: boolean; email: string; createdAt: Date; assurance: ProvedAssurance }
  | { kind: 'customer'; customerId: string; tenantId: string; sessionId: string; assurance: ProvedAssurance }
  /** A tenant API key: an admin of its tenant and nothing else. */
  | { kind: 'apiKey'; keyId: string; tenantId: string };
