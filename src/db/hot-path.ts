import Database from 'better-sqlite3';
import type { Knex } from 'knex';
import type { DatabaseConfig } from '../config';

/**
 * The queries every authenticated request runs, as prepared statements (issue 14): one
 * statement per session check, compiled once instead of being built by knex and prepared again
 * on every call. SQLite reads through a read-only connection of their own (WAL: they see every
 * committed write, and never queue behind the writer's pool); PostgreSQL runs named
 * statements on the pool's connections (each connection prepares a name once).
 */
export interface SessionUserRow {
  id: string;
  email: string;
  email_verified: boolean | number;
  is_admin: boolean | number;
  created_at: string | Date;
}
export interface CustomerSessionRow {
  id: string;
  tenant_id: string;
}
export interface ApiKeyRow {
  id: string;
  tenant_id: string;
  requests_per_minute: number | null;
}
export interface InstancePolicyRow {
  id: string;
  tenant_id: string;
  customer_id: string | null;
  /** Null when the instance has no policy of its own (the defaults apply). */
  pin_applies_to: string | null;
  pin_required_skills: string | null;
  pin_session_ttl_minutes: number | null;
}
export interface RefreshTokenRow {
  id: string;
  session_id: string;
  parent_id: string | null;
  expires_at: string | Date;
  rotated_at: string | Date | null;
  child_sealed: string | null;
  subject_kind: 'user' | 'customer';
  subject_id: string;
  /** The session's revocation. */
  revoked_at: string | Date | null;
}
export interface MembershipRow {
  id: string;
  slug: string;
  name: string;
  role: string;
}

const STATEMENTS = {
  operatorSession: `select u.id, u.email, u.email_verified, u.is_admin, u.created_at
    from users u join sessions s on s.subject_id = u.id
    where u.id = $1 and s.id = $2 and s.subject_kind = 'user' and s.revoked_at is null`,
  customerSession: `select c.id, c.tenant_id
    from customers c join sessions s on s.subject_id = c.id
    where c.id = $1 and c.tenant_id = $2 and c.status = 'active' and s.id = $3 and s.subject_kind = 'customer' and s.revoked_at is null`,
  apiKey: `select id, tenant_id, requests_per_minute from api_keys where key_hash = $1 and revoked_at is null`,
  instancePolicy: `select i.id, i.tenant_id, i.customer_id, p.pin_applies_to, p.pin_required_skills, p.pin_session_ttl_minutes
    from instances i left join pin_policies p on p.instance_id = i.id
    where i.id = $1`,
  refreshToken: `select t.id, t.session_id, t.parent_id, t.expires_at, t.rotated_at, t.child_sealed, s.subject_kind, s.subject_id, s.revoked_at
    from refresh_tokens t join sessions s on s.id = t.session_id
    where t.token_hash = $1`,
  userVerified: `select id, email_verified from users where id = $1`,
  memberships: `select t.id, t.slug, t.name, m.role
    from tenants t join tenant_members m on m.tenant_id = t.id
    where m.user_id = $1 order by t.slug`,
} as const;
type StatementName = keyof typeof STATEMENTS;

export class HotPath {
  private constructor(
    private readonly all: <T>(name: StatementName, values: string[]) => Promise<T[]>,
    readonly close: () => Promise<void>,
  ) {}

  static open(config: DatabaseConfig, db: Knex): HotPath {
    if (config.client === 'sqlite' && config.connection !== ':memory:') {
      // Opened on first use: the file exists by then (the server migrates before serving).
      let connection: Database.Database | undefined;
      let prepared: Map<string, Database.Statement> | undefined;
      const statements = () => {
        if (prepared) return prepared;
        connection = new Database(config.connection, { readonly: true, fileMustExist: true });
        connection.pragma('busy_timeout = 5000');
        const open = connection;
        prepared = new Map(Object.entries(STATEMENTS).map(([name, sql]) => [name, open.prepare(sql.replace(/\$\d/g, '?'))]));
        return prepared;
      };
      return new HotPath(
        async <T>(name: StatementName, values: string[]) => statements().get(name)!.all(...values) as T[],
        async () => {
          connection?.close();
          connection = undefined;
          prepared = undefined;
        },
      );
    }
    if (config.client === 'sqlite') {
      // An in-memory database has one connection: the queries go through knex's.
      return new HotPath(async <T>(name: StatementName, values: string[]) => (await db.raw(STATEMENTS[name].replace(/\$\d/g, '?'), values)) as T[], async () => undefined);
    }
    return new HotPath(async <T>(name: StatementName, values: string[]) => {
      const connection = await db.client.acquireConnection();
      try {
        return (await connection.query({ name: `hot_${name}`, text: STATEMENTS[name], values })).rows as T[];
      } finally {
        await db.client.releaseConnection(connection);
      }
    }, async () => undefined);
  }

  /** The user of a live operator session, or undefined (revoked, unknown, or another kind). */
  async operatorSession(userId: string, sessionId: string): Promise<SessionUserRow | undefined> {
    return (await this.all<SessionUserRow>('operatorSession', [userId, sessionId]))[0];
  }

  /** The active customer of a live customer session in that tenant, or undefined. */
  async customerSession(customerId: string, tenantId: string, sessionId: string): Promise<CustomerSessionRow | undefined> {
    return (await this.all<CustomerSessionRow>('customerSession', [customerId, tenantId, sessionId]))[0];
  }

  /** The unrevoked API key with this SHA-256, or undefined. */
  async apiKey(keyHash: string): Promise<ApiKeyRow | undefined> {
    return (await this.all<ApiKeyRow>('apiKey', [keyHash]))[0];
  }

  /** An instance with its PIN policy columns (null without a policy of its own), or undefined. */
  async instancePolicy(instanceId: string): Promise<InstancePolicyRow | undefined> {
    return (await this.all<InstancePolicyRow>('instancePolicy', [instanceId]))[0];
  }

  /** A refresh token (by its SHA-256) with its session, or undefined. */
  async refreshToken(tokenHash: string): Promise<RefreshTokenRow | undefined> {
    return (await this.all<RefreshTokenRow>('refreshToken', [tokenHash]))[0];
  }

  /** Whether a user exists and has verified their address (a refreshed token carries it). */
  async userVerified(userId: string): Promise<{ id: string; email_verified: boolean | number } | undefined> {
    return (await this.all<{ id: string; email_verified: boolean | number }>('userVerified', [userId]))[0];
  }

  /** The tenants an operator belongs to, with their role, by slug. */
  memberships(userId: string): Promise<MembershipRow[]> {
    return this.all<MembershipRow>('memberships', [userId]);
  }
}
