import type Database from 'better-sqlite3';
import type { Knex } from 'knex';
import type { HotPath, RefreshTokenRow } from './hot-path';
import type { Clock } from '../lib/clock';
import { authTimeOf, readAssurance, storedAssurance, type Assurance, type ProvedAssurance } from '../lib/assurance';
import { newId } from '../lib/ids';
import { openWith, randomToken, sealWith, sha256Hex } from '../lib/secrets';

export type SubjectKind = 'user' | 'customer';

/** Presenting the immediately previous refresh token within this window is two tabs racing, not theft. */
export const REFRESH_GRACE_MS = 10_000;
const CHILD_SEAL = 'hydracore refresh child';

export interface IssuedRefresh {
  sessionId: string;
  subjectId: string;
  refreshToken: string;
  /** How and when the session's person proved who they are: every access token of the session carries it. */
  assurance: ProvedAssurance;
  /** An operator's verification, when the rotation read it on the way (PostgreSQL's one statement). */
  emailVerified?: boolean;
}

export type RotationResult =
  /** `grace`: the immediately previous token, answered with the child it was rotated into. */
  | { ok: true; issued: IssuedRefresh; grace?: true }
  | { ok: false; reason: 'unknown' | 'expired' | 'revoked' }
  | { ok: false; reason: 'reused'; sessionId: string };

/** A refresh token with its session, as the hot path reads it. */
type TokenRow = RefreshTokenRow;

/** Where and how a session starts: the request's device and the factors its person proved. */
export interface SessionOrigin {
  assurance: Assurance;
  userAgent?: string;
  ip?: string;
}

/** A session as its person sees it in their list of devices. */
export interface LiveSession {
  id: string;
  createdAt: Date;
  /** The last request or refresh, as last written (in batches: `LAST_USE_FLUSH_MS`, `src/db/last-use.ts`). */
  lastUsedAt: Date;
  userAgent: string | null;
  ip: string | null;
}

/** User agents are informative, for a person recognising their devices: kept to this length. */
const USER_AGENT_MAX = 512;

const iso = (date: Date) => date.toISOString();

/** A session's assurance columns, as the rotation and the step-up read them. */
interface SessionAssuranceRow {
  amr: string;
  acr: string;
  authenticated_at: string | Date | null;
  session_created_at: string | Date;
}

const provedAssurance = (row: SessionAssuranceRow): ProvedAssurance => ({ ...readAssurance(row.amr, row.acr), authTime: authTimeOf(row.authenticated_at, row.session_created_at) });

type SqliteConnection = Database.Database;
type Child = { id: string; hash: string; created: string; expires: string; sealed: string };
const rotations = new WeakMap<SqliteConnection, (row: TokenRow, child: Child) => boolean>();

/** Marks a token rotated and inserts its child, or does nothing if another request won. */
function rotationStatements(connection: SqliteConnection): (row: TokenRow, child: Child) => boolean {
  let rotate = rotations.get(connection);
  if (!rotate) {
    const mark = connection.prepare('update refresh_tokens set rotated_at = ?, child_sealed = ? where id = ? and rotated_at is null');
    const insert = connection.prepare('insert into refresh_tokens (id, session_id, parent_id, token_hash, created_at, expires_at) values (?, ?, ?, ?, ?, ?)');
    rotate = connection.transaction((row: TokenRow, child: Child) => {
      if (mark.run(child.created, child.sealed, row.id).changes !== 1) return false;
      insert.run(child.id, row.session_id, row.id, child.hash, child.created, child.expires);
      return true;
    });
    rotations.set(connection, rotate);
  }
  return rotate;
}
const time = (value: string | Date) => new Date(value).getTime();

/**
 * Sessions are refresh-token families. Each refresh rotates the token (the old one is marked
 * rotated, a child is issued). Reuse of a rotated token revokes the whole family, except
 * the immediately previous token within 10 s of its rotation (two tabs refreshing at once),
 * which is answered with that same child, as GoTrue's reuse interval does: no new branch, so
 * a family has one live token however many requests raced (issue 12). Tokens are stored only
 * as SHA-256 digests; the child is kept sealed under a key derived from its parent token
 * (`child_sealed`), so only a holder of the parent can get it back.
 */
export class SessionStore {
  constructor(
    private readonly db: Knex,
    private readonly clock: Clock,
    private readonly hot: HotPath,
  ) {}

  async start(trx: Knex | Knex.Transaction, kind: SubjectKind, subjectId: string, ttlSeconds: number, origin: SessionOrigin): Promise<IssuedRefresh> {
    const sessionId = newId();
    const now = this.clock.now();
    await trx('sessions').insert({
      id: sessionId,
      subject_kind: kind,
      subject_id: subjectId,
      created_at: iso(now),
      // Signing in is the session's first use (its requests are written later, in batches).
      last_used_at: iso(now),
      user_agent: origin.userAgent === undefined || origin.userAgent === '' ? null : origin.userAgent.slice(0, USER_AGENT_MAX),
      ip: origin.ip ?? null,
      ...storedAssurance(origin.assurance),
      authenticated_at: iso(now),
    });
    const refreshToken = await this.issueToken(trx, sessionId, null, ttlSeconds);
    return { sessionId, subjectId, refreshToken, assurance: { ...origin.assurance, authTime: authTimeOf(now, null) } };
  }

  /** Rotates a refresh token (see `rotateToken`); a refresh is a use of its session. */
  async rotate(presented: string, kind: SubjectKind, ttlSeconds: number): Promise<RotationResult> {
    const result = await this.rotateToken(presented, kind, ttlSeconds);
    if (result.ok) this.hot.lastUse.record('sessions', result.issued.sessionId, this.clock.now());
    return result;
  }

  private async rotateToken(presented: string, kind: SubjectKind, ttlSeconds: number): Promise<RotationResult> {
    // The common case, the current token of a live session, takes one round trip on PostgreSQL.
    const fast = await this.rotateIfCurrent(presented, kind, ttlSeconds);
    if (fast) return { ok: true, issued: fast };
    const row = await this.find(presented);
    if (!row || row.subject_kind !== kind) return { ok: false, reason: 'unknown' };
    if (row.revoked_at !== null) return { ok: false, reason: 'revoked' };
    const now = this.clock.now();
    if (time(row.expires_at) <= now.getTime()) return { ok: false, reason: 'expired' };

    if (row.rotated_at === null) {
      // The current token: rotate it. The conditional update makes exactly one request win.
      const refreshToken = await this.rotateCurrent(presented, row, now, ttlSeconds);
      if (refreshToken !== undefined) return { ok: true, issued: { sessionId: row.session_id, subjectId: row.subject_id, refreshToken, assurance: provedAssurance(row) } };
      return this.rotateToken(presented, kind, ttlSeconds); // lost the race: now it is a rotated token
    }

    if (await this.withinGrace(row, now)) {
      // Only tokens rotated before child sealing existed lack a child: they refresh nothing.
      const child = row.child_sealed === null ? undefined : openWith(presented, CHILD_SEAL, row.child_sealed);
      if (child === undefined) return { ok: false, reason: 'unknown' };
      return { ok: true, grace: true, issued: { sessionId: row.session_id, subjectId: row.subject_id, refreshToken: child, assurance: provedAssurance(row) } };
    }
    await this.revokeSession(row.session_id, 'reuse');
    return { ok: false, reason: 'reused', sessionId: row.session_id };
  }

  /**
   * PostgreSQL: finds the presented token if it is the current one of a live, unexpired session
   * of this kind, marks it rotated and inserts its child, in one statement. Anything else (a
   * rotated, expired, revoked or unknown token, or a lost race) returns undefined and takes the
   * full path in `rotate`, which decides between grace, reuse and refusal.
   */
  private async rotateIfCurrent(presented: string, kind: SubjectKind, ttlSeconds: number): Promise<IssuedRefresh | undefined> {
    if (this.db.client.config.client !== 'pg' || presented.length === 0 || presented.length > 512) return undefined;
    const token = randomToken(32);
    const now = this.clock.now();
    const created = iso(now);
    const result = await this.db.raw(
      `with current_token as (
         select t.id, t.session_id, s.subject_id, s.amr, s.acr, s.authenticated_at, s.created_at as session_created_at
         from refresh_tokens t join sessions s on s.id = t.session_id
         where t.token_hash = ? and t.rotated_at is null and t.expires_at > ? and s.revoked_at is null and s.subject_kind = ?
       ), rotated as (
         update refresh_tokens set rotated_at = ?, child_sealed = ?
         from current_token
         where refresh_tokens.id = current_token.id and refresh_tokens.rotated_at is null
         returning refresh_tokens.id, refresh_tokens.session_id, current_token.subject_id, current_token.amr, current_token.acr, current_token.authenticated_at, current_token.session_created_at
       ), child as (
         insert into refresh_tokens (id, session_id, parent_id, token_hash, created_at, expires_at)
         select ?, session_id, id, ?, ?, ? from rotated
         returning session_id
       )
       select child.session_id, rotated.subject_id, rotated.amr, rotated.acr, rotated.authenticated_at, rotated.session_created_at, u.email_verified
       from child join rotated on rotated.session_id = child.session_id
       left join users u on ? = 'user' and u.id = rotated.subject_id`,
      [sha256Hex(presented), created, kind, created, sealWith(presented, CHILD_SEAL, token), newId(), sha256Hex(token), created, iso(new Date(now.getTime() + ttlSeconds * 1000)), kind],
    );
    const row = (result as { rows: Array<SessionAssuranceRow & { session_id: string; subject_id: string; email_verified: boolean | null }> }).rows[0];
    if (!row) return undefined;
    const issued: IssuedRefresh = { sessionId: row.session_id, subjectId: row.subject_id, refreshToken: token, assurance: provedAssurance(row) };
    if (row.email_verified !== null) issued.emailVerified = row.email_verified;
    return issued;
  }

  /**
   * Marks the current token rotated and issues its child, atomically. On PostgreSQL one
   * statement does both (a data-modifying CTE: one round trip, no BEGIN/COMMIT); SQLite runs
   * the same two steps in a local transaction.
   */
  private async rotateCurrent(presented: string, row: TokenRow, now: Date, ttlSeconds: number): Promise<string | undefined> {
    const token = randomToken(32);
    const child = { id: newId(), hash: sha256Hex(token), created: iso(now), expires: iso(new Date(now.getTime() + ttlSeconds * 1000)), sealed: sealWith(presented, CHILD_SEAL, token) };
    if (this.db.client.config.client === 'pg') {
      const result = await this.db.raw(
        `with rotated as (
           update refresh_tokens set rotated_at = ?, child_sealed = ? where id = ? and rotated_at is null returning session_id
         )
         insert into refresh_tokens (id, session_id, parent_id, token_hash, created_at, expires_at)
         select ?, session_id, ?, ?, ?, ? from rotated
         returning id`,
        [child.created, child.sealed, row.id, child.id, row.id, child.hash, child.created, child.expires],
      );
      return (result as { rows: unknown[] }).rows.length === 1 ? token : undefined;
    }
    // SQLite: knex's one connection, two prepared statements in one synchronous transaction
    // (knex would build, prepare and wrap both again on every rotation).
    const connection = (await this.db.client.acquireConnection()) as SqliteConnection;
    try {
      return rotationStatements(connection)(row, child) ? token : undefined;
    } finally {
      await this.db.client.releaseConnection(connection);
    }
  }

  /** Revokes the family the token belongs to (logout) and returns its id; unknown tokens are ignored. */
  async revokeByToken(presented: string, kind: SubjectKind): Promise<string | undefined> {
    const row = await this.find(presented);
    if (!row || row.subject_kind !== kind) return undefined;
    await this.revokeSession(row.session_id, 'logout');
    return row.session_id;
  }

  async revokeSession(sessionId: string, reason: string): Promise<void> {
    await this.db('sessions').where({ id: sessionId }).whereNull('revoked_at').update({ revoked_at: iso(this.clock.now()), revoked_reason: reason });
  }

  /**
   * The live sessions of a person, newest first. A session is live while it is not revoked and
   * its current refresh token (the one not yet rotated) has not expired: past that nothing of
   * it works any more (its access tokens live shorter than its refresh tokens).
   */
  async live(kind: SubjectKind, subjectId: string): Promise<LiveSession[]> {
    const rows: Array<{ id: string; created_at: string | Date; last_used_at: string | Date | null; user_agent: string | null; ip: string | null }> = await this.db('sessions')
      .where({ subject_kind: kind, subject_id: subjectId })
      .whereNull('revoked_at')
      .whereExists(this.currentTokenUnexpired(this.clock.now()))
      .orderBy([
        { column: 'created_at', order: 'desc' },
        { column: 'id', order: 'desc' },
      ])
      .select('id', 'created_at', 'last_used_at', 'user_agent', 'ip');
    return rows.map((row) => {
      const createdAt = new Date(row.created_at);
      // Sessions started before last use was recorded have none until their next use.
      return { id: row.id, createdAt, lastUsedAt: row.last_used_at === null ? createdAt : new Date(row.last_used_at), userAgent: row.user_agent, ip: row.ip };
    });
  }

  /**
   * Revokes one live session of this person, in one conditional statement: a session of
   * someone else (of either kind), unknown, already revoked or expired changes nothing, and
   * the answer (false) is the same for all of them. Its access tokens die with it (every
   * request checks its session) and its refresh tokens too.
   */
  async revokeOwn(trx: Knex | Knex.Transaction, kind: SubjectKind, subjectId: string, sessionId: string, reason: string): Promise<boolean> {
    const now = this.clock.now();
    const changed = await trx('sessions')
      .where({ id: sessionId, subject_kind: kind, subject_id: subjectId })
      .whereNull('revoked_at')
      .whereExists(this.currentTokenUnexpired(now))
      .update({ revoked_at: iso(now), revoked_reason: reason });
    return changed === 1;
  }

  /**
   * Revokes every live session of this person but one (the caller's own), in one statement;
   * returns the ids it revoked. Parallel calls revoke each session once: a row another call
   * revoked first no longer matches `revoked_at is null`.
   */
  async revokeOthers(trx: Knex | Knex.Transaction, kind: SubjectKind, subjectId: string, keepSessionId: string, reason: string): Promise<string[]> {
    const now = this.clock.now();
    const rows: Array<{ id: string }> = await trx('sessions')
      .where({ subject_kind: kind, subject_id: subjectId })
      .whereNot({ id: keepSessionId })
      .whereNull('revoked_at')
      .whereExists(this.currentTokenUnexpired(now))
      .update({ revoked_at: iso(now), revoked_reason: reason })
      .returning('id');
    return rows.map((row) => row.id);
  }

  /** The session (of the enclosing statement on `sessions`) has an unrotated, unexpired refresh token. */
  private currentTokenUnexpired(now: Date): Knex.QueryCallback {
    return (q) => q.select(this.db.raw('1')).from('refresh_tokens').whereRaw('refresh_tokens.session_id = sessions.id').whereNull('rotated_at').where('expires_at', '>', iso(now));
  }

  /** The live session's assurance as stored (a step-up builds on it, not on an older token's claims). */
  async assuranceOf(sessionId: string): Promise<ProvedAssurance | undefined> {
    const row: SessionAssuranceRow | undefined = await this.db('sessions')
      .where({ id: sessionId })
      .whereNull('revoked_at')
      .first('amr', 'acr', 'authenticated_at', 'created_at as session_created_at');
    return row && provedAssurance(row);
  }

  /**
   * A step-up: the live session now carries this assurance, proved now, and every refresh of it
   * does too. Answers the assurance with its new `authTime`, or undefined if the session ended.
   */
  async raiseAssurance(sessionId: string, assurance: Assurance): Promise<ProvedAssurance | undefined> {
    const now = this.clock.now();
    const changed = await this.db('sessions')
      .where({ id: sessionId })
      .whereNull('revoked_at')
      .update({ ...storedAssurance(assurance), authenticated_at: iso(now) });
    return changed === 1 ? { ...assurance, authTime: authTimeOf(now, null) } : undefined;
  }

  /** Revokes every live session of the subject, except `keep` (the caller's own) when given. */
  async revokeAll(trx: Knex | Knex.Transaction, kind: SubjectKind, subjectId: string, reason: string, keep?: string): Promise<void> {
    const sessions = trx('sessions').where({ subject_kind: kind, subject_id: subjectId }).whereNull('revoked_at');
    if (keep !== undefined) sessions.whereNot('id', keep);
    await sessions.update({ revoked_at: iso(this.clock.now()), revoked_reason: reason });
  }

  /** Deletes every session of the subject with its refresh tokens (ON DELETE CASCADE): the subject is gone. */
  async deleteAll(trx: Knex | Knex.Transaction, kind: SubjectKind, subjectId: string): Promise<void> {
    await trx('sessions').where({ subject_kind: kind, subject_id: subjectId }).delete();
  }

  /** The presented token's row, read with a prepared statement (every refresh and logout starts here). */
  private find(presented: string): Promise<TokenRow | undefined> {
    if (presented.length === 0 || presented.length > 512) return Promise.resolve(undefined);
    return this.hot.refreshToken(sha256Hex(presented));
  }

  /**
   * The immediately previous token: rotated less than 10 s ago, and none of its children
   * has been rotated since (the family has not moved on past it).
   */
  private async withinGrace(row: TokenRow, now: Date): Promise<boolean> {
    if (row.rotated_at === null || now.getTime() - time(row.rotated_at) > REFRESH_GRACE_MS) return false;
    const movedOn = await this.db('refresh_tokens').where({ parent_id: row.id }).whereNotNull('rotated_at').first('id');
    return movedOn === undefined;
  }

  private async issueToken(trx: Knex | Knex.Transaction, sessionId: string, parentId: string | null, ttlSeconds: number): Promise<string> {
    const token = randomToken(32);
    const now = this.clock.now();
    await trx('refresh_tokens').insert({
      id: newId(),
      session_id: sessionId,
      parent_id: parentId,
      token_hash: sha256Hex(token),
      created_at: iso(now),
      expires_at: iso(new Date(now.getTime() + ttlSeconds * 1000)),
    });
    return token;
  }
}
