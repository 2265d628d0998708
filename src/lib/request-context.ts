import type { Clock } from './clock';

/**
 * A request as the layers below GraphQL see it (audit records, data access): who acts, from
 * where, under which request id, at what time. Built from the GraphQL context by
 * `requestContext` in graphql/context.ts; nothing here knows GraphQL.
 */
export interface RequestContext {
  actor: { kind: string; id: string | null };
  ip: string;
  requestId: string;
  clock: Clock;
}
