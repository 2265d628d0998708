import Database from 'better-sqlite3';
import type { FastifyBaseLogger } from 'fastify';
import type { Knex } from 'knex';
import { Client } from 'pg';
import type { DatabaseConfig } from '../config';
import { AUTH_CHANNEL, AUTH_TRIGGERS, authTriggerName } from '../../migrations/20261202000700_auth_change_notify';
import { LAST_USE_SQL, LastUse, type LastUseBatch, type LastUseOptions, type LastUseWrite, type UseTable } from './last-use';
import { MEMBERSHIPS_OF_USER_SQL } from './memberships';

/**
 * The queries every authenticated request runs, as prepared statements (issue 14): one
 * statement per session check, compiled once instead of being built by knex and prepared again
 * on every call. SQLite reads through a read-only connection of their own (WAL: they see every
 * committed write, and never queue behind the writer's pool); PostgreSQL runs named
 * statements on the pool's connections (each connection prepares a name once).
 *
 * What a session check reads is also kept in memory (`AuthCache`), and used only while the
 * database provably has not changed it: on SQLite the read connection's `PRAGMA data_version`
 * (it moves with every commit of any connection, this process's writer, another gateway
 * process or the CLI); on PostgreSQL a `LISTEN` on the channel the tables' triggers notify
 * (migration 20261202000700) - while that listener is not connected nothing is served from
 * memory. Mutations of this process also empty it when they finish, so a logout's own answer
 * is never followed by a stale read here.
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
  /** The session's assurance (src/lib/assurance.ts) and when it was proved. */
  amr: string;
  acr: string;
  authenticated_at: string | Date | null;
  session_created_at: string | Date;
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
  refreshToken: `select t.id, t.session_id, t.parent_id, t.expires_at, t.rotated_at, t.child_sealed, s.subject_kind, s.subject_id, s.revoked_at, s.amr, s.acr, s.authenticated_at, s.created_at as session_created_at
    from refresh_tokens t join sessions s on s.id = t.session_id
    where t.token_hash = $1`,
  userVerified: `select id, email_verified from users where id = $1`,
  memberships: MEMBERSHIPS_OF_USER_SQL,
} as const;
type StatementName = keyof typeof STATEMENTS;

/**
 * Answers of the hot statements, by statement and arguments, valid until `clear()`. Only rows
 * that were found (and lists) are kept, at most `max` (the oldest go first): an unknown token
 * or a revoked session is read again every time, so guesses cannot fill the memory. A load
 * that was overtaken by a `clear()` is not stored: the generation it started in is gone.
 */
export class AuthCache {
  private readonly entries = new Map<string, unknown>();
  private generation = 0;

  constructor(private readonly max = 10_000) {}

  clear(): void {
    this.generation += 1;
    this.entries.clear();
  }

  async through<T>(key: string, load: () => Promise<T>): Promise<T> {
    const hit = this.entries.get(key);
    if (hit !== undefined) return hit as T;
    const generation = this.generation;
    const value = await load();
    if (generation === this.generation && value !== undefined) {
      if (this.entries.size >= this.max) this.entries.delete(this.entries.keys().next().value as string);
      this.entries.set(key, Object.freeze(value));
    }
    return value;
  }
}

/** Says whether the cache may answer now, having emptied it if the database changed. */
type Freshness = () => boolean;

/**
 * How often the listener's connection is asked a trivial query, and how long it may take to
 * answer. A connection that died without a word (a NAT or firewall dropping an idle flow, a
 * failed-over server) delivers no notification and no error: unasked, it would count as
 * listening for ever and the cache would be served stale. Unanswered, it is counted lost.
 */
const HEARTBEAT_MS = 2_000;
const HEARTBEAT_TIMEOUT_MS = 1_000;

/**
 * PostgreSQL's change feed: one connection that LISTENs for the triggers' notifications and
 * empties the cache on each one for this schema. Until it is listening (start, or after its
 * connection dropped: it reconnects with backoff) `fresh` is false and nothing is cached.
 */
class PostgresChangeListener {
  private client: Client | undefined;
  private listening = false;
  private stopped = false;
  private retryMs = 250;
  private retry: NodeJS.Timeout | undefined;
  private schema: string | undefined;

  constructor(
    private readonly connectionString: string,
    private readonly db: Knex,
    private readonly cache: AuthCache,
    private readonly log?: FastifyBaseLogger,
  ) {}

  readonly fresh: Freshness = () => {
    // The first use connects; after a loss only the backoff timer does (requests must not
    // turn a refused connection into one attempt each).
    if (!this.listening && !this.client && !this.retry && !this.stopped) void this.connect();
    return this.listening;
  };

  private async connect(): Promise<void> {
    if (this.client || this.stopped) return;
    const client = new Client({ connectionString: this.connectionString, keepAlive: true });
    this.client = client;
    let heartbeat: NodeJS.Timeout | undefined;
    const lost = (error?: Error) => {
      if (this.client !== client) return;
      this.listening = false;
      this.client = undefined;
      clearInterval(heartbeat);
      this.cache.clear();
      hangUp(client);
      if (this.stopped) return;
      if (error) this.log?.error({ err: error }, 'auth change listener lost its connection; serving without the cache');
      this.retry = setTimeout(() => {
        this.retry = undefined;
        void this.connect();
      }, this.retryMs).unref();
      this.retryMs = Math.min(this.retryMs * 2, 10_000);
    };
    client.on('error', lost);
    client.on('end', () => lost());
    client.on('notification', (message) => {
      if (message.payload === this.schema) this.cache.clear();
    });
    try {
      this.schema ??= String((await this.db.raw('select current_schema() as schema')).rows[0].schema);
      await this.requireTriggers(this.schema);
      await client.connect();
      await client.query(`listen ${AUTH_CHANNEL}`);
      if (this.client !== client) return hangUp(client); // closed meanwhile
      this.cache.clear();
      this.listening = true;
      this.retryMs = 250;
      heartbeat = setInterval(() => {
        const silent = setTimeout(() => lost(new Error('auth change listener stopped answering')), HEARTBEAT_TIMEOUT_MS);
        client.query('select 1').then(
          () => clearTimeout(silent),
          (error: Error) => {
            clearTimeout(silent);
            lost(error);
          },
        );
      }, HEARTBEAT_MS).unref();
    } catch (error) {
      lost(error as Error);
    }
  }

  /**
   * Without the triggers (a database not migrated this far) no change would ever be announced:
   * the cache stays off, loudly, rather than serving revoked sessions.
   */
  private async requireTriggers(schema: string): Promise<void> {
    const names = AUTH_TRIGGERS.map(([table]) => authTriggerName(table));
    const found = await this.db.raw(
      `select count(*)::int as n from pg_trigger t join pg_class c on c.oid = t.tgrelid join pg_namespace ns on ns.oid = c.relnamespace
       where ns.nspname = ? and t.tgname = any(?)`,
      [schema, names],
    );
    if (found.rows[0].n !== names.length) throw new Error(`the auth change triggers are missing in schema ${schema} (migrations not applied?)`);
  }

  async close(): Promise<void> {
    this.stopped = true;
    this.listening = false;
    clearTimeout(this.retry);
    this.retry = undefined;
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }
}

/** Ends a listener's connection; one that does not answer the goodbye is cut after a second. */
function hangUp(client: Client): void {
  const socket = (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream;
  const cut = setTimeout(() => socket?.destroy(), 1000).unref();
  client.end().then(() => clearTimeout(cut), () => undefined);
}

/** SQL that cannot change anything; every other statement this process runs empties the cache. */
const READ_ONLY_SQL = /^\s*(select|pragma\s+\w+\s*$)/i;

/** The tables of a last-use batch that hold uses. */
const usedTables = (batch: LastUseBatch) => Object.entries(batch) as Array<[UseTable, { ids: string[]; at: string[] }]>;

/** Knex's placeholders for a statement written with PostgreSQL's (`$1` -> `?`). */
const questionMarks = (sql: string) => sql.replace(/\$\d/g, '?');

export class HotPath {
  /** Last use of sessions and API keys, recorded off the request's path (src/db/last-use.ts). */
  readonly lastUse: LastUse;

  private constructor(
    private readonly all: <T>(name: StatementName, values: string[]) => Promise<T[]>,
    private readonly fresh: Freshness,
    private readonly cache: AuthCache,
    writeLastUse: LastUseWrite,
    lastUseOptions: LastUseOptions,
    log: FastifyBaseLogger | undefined,
    private readonly closeSource: () => Promise<void>,
    private readonly forgetLook: () => void = () => undefined,
    private readonly db?: Knex,
  ) {
    this.lastUse = new LastUse(writeLastUse, (error) => log?.warn({ err: error }, 'could not record the last use of sessions and API keys'), lastUseOptions);
    // This process's own writes (through knex, whoever runs them) are seen at once: on SQLite
    // a statement runs synchronously right after its `query` event; on PostgreSQL a write's
    // `query-response` comes after it ran, and `COMMIT` is announced before it runs (the
    // triggers' notification follows it, and a mutation's end empties the cache again).
    db?.on('query', this.onQuery);
    db?.on('query-response', this.onQueryResponse);
  }

  private readonly onQuery = (query: { sql?: string }) => {
    if (typeof query.sql === 'string' && !READ_ONLY_SQL.test(query.sql)) this.invalidate();
  };

  private readonly onQueryResponse = (_response: unknown, query: { sql?: string }) => this.onQuery(query);

  /** Writes the last uses still in memory first: the server's shutdown waits for them. */
  async close(): Promise<void> {
    await this.lastUse.close();
    this.db?.off('query', this.onQuery);
    this.db?.off('query-response', this.onQueryResponse);
    await this.closeSource();
  }

  static open(config: DatabaseConfig, db: Knex, log?: FastifyBaseLogger, lastUseOptions: LastUseOptions = {}): HotPath {
    const cache = new AuthCache();
    // One transaction for the whole batch: one commit, so one emptied cache per write.
    const writeThroughKnex: LastUseWrite = (batch) =>
      db.transaction(async (trx) => {
        for (const [table, rows] of usedTables(batch)) {
          await trx.raw(LAST_USE_SQL.sqlite[table], [JSON.stringify(rows.ids.map((id, i) => [id, rows.at[i]]))]);
        }
      });
    const cacheOff = config.authCache === false;
    if (config.client === 'sqlite' && config.connection !== ':memory:') {
      // Opened on first use: the file exists by then (the server migrates before serving).
      let connection: Database.Database | undefined;
      let prepared: Map<string, Database.Statement> | undefined;
      let dataVersion: Database.Statement | undefined;
      let seenVersion: unknown;
      const statements = () => {
        if (prepared) return prepared;
        connection = new Database(config.connection, { readonly: true, fileMustExist: true });
        connection.pragma('busy_timeout = 5000');
        const open = connection;
        prepared = new Map(Object.entries(STATEMENTS).map(([name, sql]) => [name, open.prepare(questionMarks(sql))]));
        dataVersion = open.prepare('pragma data_version').pluck();
        return prepared;
      };
      // One look at data_version per turn of the event loop serves every request of that turn
      // (it costs a read transaction, as much as the statement it saves): an answer is then at
      // most one turn old, as any read that started in that turn would be.
      let looked = false;
      const forget = () => {
        looked = false;
      };
      const fresh = () => {
        if (cacheOff) return false;
        if (looked) return true;
        statements();
        const version = dataVersion!.get();
        if (version !== seenVersion) {
          seenVersion = version;
          cache.clear();
        }
        looked = true;
        setImmediate(forget);
        return true;
      };
      return new HotPath(
        async <T>(name: StatementName, values: string[]) => statements().get(name)!.all(...values) as T[],
        fresh,
        cache,
        // The read connection is read-only: last use is written by knex's (every commit moves
        // data_version, so the cache starts afresh after one, as after any other write: hence
        // one batch every LAST_USE_FLUSH_MS rather than a write per session).
        writeThroughKnex,
        lastUseOptions,
        log,
        async () => {
          connection?.close();
          connection = undefined;
          prepared = undefined;
        },
        forget,
        db,
      );
    }
    if (config.client === 'sqlite') {
      // An in-memory database has one connection: the queries go through knex's, and with no
      // reader of its own there is no change feed, so nothing is cached.
      return new HotPath(async <T>(name: StatementName, values: string[]) => (await db.raw(questionMarks(STATEMENTS[name]), values)) as T[], () => false, cache, writeThroughKnex, lastUseOptions, log, async () => undefined);
    }
    const listener = new PostgresChangeListener(config.connection, db, cache, log);
    const onPool = async <T>(name: string, text: string, values: string[]): Promise<T[]> => {
      const connection = await db.client.acquireConnection();
      try {
        return (await connection.query({ name, text, values })).rows as T[];
      } finally {
        await db.client.releaseConnection(connection);
      }
    };
    return new HotPath(
      <T>(name: StatementName, values: string[]) => onPool<T>(`hot_${name}`, STATEMENTS[name], values),
      cacheOff ? () => false : listener.fresh,
      cache,
      // Beside knex, as the reads: a last-use write changes nothing the cache holds, so it must
      // not empty this process's cache (knex's query events would), nor notify the others (the
      // triggers ignore `last_used_at`, migration 20261202000700). One pool connection per
      // batch, however many sessions it holds.
      async (batch) => {
        const connection = await db.client.acquireConnection();
        try {
          for (const [table, rows] of usedTables(batch)) {
            await connection.query({ name: `last_use_${table}`, text: LAST_USE_SQL.postgres[table], values: [rows.ids, rows.at] });
          }
        } finally {
          await db.client.releaseConnection(connection);
        }
      },
      lastUseOptions,
      log,
      () => listener.close(),
      undefined,
      db,
    );
  }

  /** Empties this process's cache (it wrote, or a mutation finished: its own writes must be read back). */
  invalidate(): void {
    this.cache.clear();
    this.forgetLook();
  }

  /** What `load` answers, from memory while the database has not changed it. */
  private remembered<T>(key: string, load: () => Promise<T>): Promise<T> {
    return this.fresh() ? this.cache.through(key, load) : load();
  }

  /** The first row of a statement (an absent row is never remembered). */
  private one<T>(name: StatementName, values: string[]): Promise<T | undefined> {
    return this.remembered(`${name}:${values.join(':')}`, async () => (await this.all<T>(name, values))[0]);
  }

  /** The user of a live operator session, or undefined (revoked, unknown, or another kind). */
  operatorSession(userId: string, sessionId: string): Promise<SessionUserRow | undefined> {
    return this.one<SessionUserRow>('operatorSession', [userId, sessionId]);
  }

  /** The active customer of a live customer session in that tenant, or undefined. */
  customerSession(customerId: string, tenantId: string, sessionId: string): Promise<CustomerSessionRow | undefined> {
    return this.one<CustomerSessionRow>('customerSession', [customerId, tenantId, sessionId]);
  }

  /** The unrevoked API key with this SHA-256, or undefined. */
  apiKey(keyHash: string): Promise<ApiKeyRow | undefined> {
    return this.one<ApiKeyRow>('apiKey', [keyHash]);
  }

  /** An instance with its PIN policy columns (null without a policy of its own), or undefined. */
  instancePolicy(instanceId: string): Promise<InstancePolicyRow | undefined> {
    return this.one<InstancePolicyRow>('instancePolicy', [instanceId]);
  }

  /** A refresh token (by its SHA-256) with its session, or undefined. Never cached: it rotates. */
  async refreshToken(tokenHash: string): Promise<RefreshTokenRow | undefined> {
    return (await this.all<RefreshTokenRow>('refreshToken', [tokenHash]))[0];
  }

  /** Whether a user exists and has verified their address (a refreshed token carries it). */
  async userVerified(userId: string): Promise<{ id: string; email_verified: boolean | number } | undefined> {
    return (await this.all<{ id: string; email_verified: boolean | number }>('userVerified', [userId]))[0];
  }

  /** The tenants an operator belongs to, with their role, by slug. */
  memberships(userId: string): Promise<readonly MembershipRow[]> {
    return this.remembered(`memberships:${userId}`, () => this.all<MembershipRow>('memberships', [userId]));
  }
}
