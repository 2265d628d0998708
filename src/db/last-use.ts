/** The rows that record when they were last used: sessions (issue 18) and tenant API keys. */
export type UseTable = 'sessions' | 'api_keys';
const TABLES: readonly UseTable[] = ['sessions', 'api_keys'];

/**
 * How often a process writes the uses it saw, and so how far `last_used_at` may trail the last
 * request (plus one write's time). Last use is informative ("active 3 minutes ago"); what it
 * must not do is cost the requests: on SQLite every write empties the auth cache of every
 * process (it moves `data_version`), so writes are gathered and made once per interval.
 */
export const LAST_USE_FLUSH_MS = 30_000;

/**
 * Uses kept per table between two writes. Reached, a write starts at once; reached again while
 * that write runs, the use seen longest ago is dropped (it has the least to say, and its row
 * gets the next use of it). Memory stays bounded however many sessions and keys are active.
 */
export const LAST_USE_PENDING_MAX = 10_000;

/**
 * One statement per table writes a whole batch, the same text whatever its size (so PostgreSQL
 * prepares it once per connection): the ids and times travel as two arrays on PostgreSQL, and
 * as one JSON array of `[id, time]` pairs on SQLite. Conditional, so a row never moves back:
 * another process may have written a later use meanwhile. The table name is never a caller's.
 */
export const LAST_USE_SQL: Record<'postgres' | 'sqlite', Record<UseTable, string>> = {
  postgres: {
    sessions: `update sessions s set last_used_at = v.at from unnest($1::uuid[], $2::timestamptz[]) as v(id, at)
      where s.id = v.id and (s.last_used_at is null or s.last_used_at < v.at)`,
    api_keys: `update api_keys k set last_used_at = v.at from unnest($1::uuid[], $2::timestamptz[]) as v(id, at)
      where k.id = v.id and (k.last_used_at is null or k.last_used_at < v.at)`,
  },
  sqlite: {
    sessions: `update sessions set last_used_at = v.at
      from (select json_extract(value, '$[0]') as id, json_extract(value, '$[1]') as at from json_each(?)) as v
      where sessions.id = v.id and (sessions.last_used_at is null or sessions.last_used_at < v.at)`,
    api_keys: `update api_keys set last_used_at = v.at
      from (select json_extract(value, '$[0]') as id, json_extract(value, '$[1]') as at from json_each(?)) as v
      where api_keys.id = v.id and (api_keys.last_used_at is null or api_keys.last_used_at < v.at)`,
  },
};

/** One write: per table that saw uses, the rows' ids and their latest use (ISO 8601), in step. */
export type LastUseBatch = Partial<Record<UseTable, { ids: string[]; at: string[] }>>;

/** Writes a batch (all of it in one transaction on SQLite: one commit, one emptied cache). */
export type LastUseWrite = (batch: LastUseBatch) => Promise<unknown>;

export interface LastUseOptions {
  /** Milliseconds between writes; 0 writes only when asked (`flush`), when full and on `close`. */
  flushMs?: number;
  pendingMax?: number;
}

/**
 * Records the last use of sessions and API keys for every authenticated request and every
 * refresh, without costing those requests anything: `record` only notes the time in memory
 * (id -> latest use), and every `LAST_USE_FLUSH_MS` what was noted is written in one statement
 * per table, off every request's path. A failed write is logged and forgotten (it is worth no
 * refusal; a row in use gets its next use written). `close` stops the timer and writes what
 * is left: the server's shutdown waits for it.
 */
export class LastUse {
  /** Uses not written yet, per table: id -> ms, in order of last use (the oldest first). */
  private pending: Record<UseTable, Map<string, number>> = { sessions: new Map(), api_keys: new Map() };
  /** The writes in turn: one at a time, so a batch never overtakes an earlier one. */
  private queue: Promise<void> = Promise.resolve();
  /** Writes queued or running. */
  private busy = 0;
  private readonly timer: NodeJS.Timeout | undefined;
  private readonly pendingMax: number;

  constructor(
    private readonly write: LastUseWrite,
    private readonly warn: (error: unknown) => void,
    options: LastUseOptions = {},
  ) {
    this.pendingMax = options.pendingMax ?? LAST_USE_PENDING_MAX;
    const flushMs = options.flushMs ?? LAST_USE_FLUSH_MS;
    // Unref'd: a process that is done (the CLI) does not wait for it; it calls `close`.
    if (flushMs > 0) this.timer = setInterval(() => this.writeUnlessBusy(), flushMs).unref();
  }

  record(table: UseTable, id: string, now: Date): void {
    const at = now.getTime();
    const pending = this.pending[table];
    const noted = pending.get(id);
    // A clock set back keeps the later time (the database would not move back to it either).
    if (noted !== undefined) {
      if (at <= noted) return;
      pending.delete(id); // re-inserted last: the map stays in order of last use
    } else if (pending.size >= this.pendingMax) {
      pending.delete(pending.keys().next().value as string);
    }
    pending.set(id, at);
    if (pending.size >= this.pendingMax) this.writeUnlessBusy();
  }

  /** Writes every use recorded before the call (after any write already running). */
  flush(): Promise<void> {
    this.busy += 1;
    this.queue = this.queue.then(() => this.writePending()).finally(() => {
      this.busy -= 1;
    });
    return this.queue;
  }

  /** Stops the timer and writes what is left. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }

  /** The timer's and a full map's write: skipped while one is queued or runs. */
  private writeUnlessBusy(): void {
    if (this.busy === 0) void this.flush();
  }

  private async writePending(): Promise<void> {
    const taken = this.pending;
    if (TABLES.every((table) => taken[table].size === 0)) return;
    this.pending = { sessions: new Map(), api_keys: new Map() };
    const batch: LastUseBatch = {};
    for (const table of TABLES) {
      if (taken[table].size === 0) continue;
      batch[table] = { ids: [...taken[table].keys()], at: [...taken[table].values()].map((ms) => new Date(ms).toISOString()) };
    }
    try {
      await this.write(batch);
    } catch (error) {
      this.warn(error);
    }
  }
}
