/** The rows that record when they were last used: sessions (issue 18) and tenant API keys. */
export type UseTable = 'sessions' | 'api_keys';

/** Last use is informative ("active 3 minutes ago"): one write a minute per row is plenty. */
export const LAST_USE_RESOLUTION_MS = 60_000;

/**
 * The one statement per table, conditional so that however many processes see a row used in
 * the same minute, the database is written once. The table name is never taken from a caller.
 */
export const LAST_USE_SQL: Record<UseTable, string> = {
  sessions: 'update sessions set last_used_at = $1 where id = $2 and (last_used_at is null or last_used_at <= $3)',
  api_keys: 'update api_keys set last_used_at = $1 where id = $2 and (last_used_at is null or last_used_at <= $3)',
};

/** Runs one of `LAST_USE_SQL` with its three values (now, id, a minute ago). */
export type LastUseWrite = (table: UseTable, values: [string, string, string]) => Promise<unknown>;

/** Rows remembered per process before the memory is started afresh (it only saves writes). */
const REMEMBERED_MAX = 10_000;

/**
 * Records the last use of sessions and API keys for every authenticated request and every
 * refresh, without costing those requests anything: `record` is synchronous, the write (when
 * there is one) is not awaited, and this process does not even ask the database more than
 * once a minute per row. A failed write is logged and forgotten: it is worth no refusal.
 * `settled` waits for the writes in flight (closing, and tests that read them back).
 */
export class LastUse {
  /** When this process last wrote (or knew of) each row's use, per table: id -> ms. */
  private readonly recorded: Record<UseTable, Map<string, number>> = { sessions: new Map(), api_keys: new Map() };
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly write: LastUseWrite,
    private readonly warn: (error: unknown, table: UseTable) => void,
  ) {}

  record(table: UseTable, id: string, now: Date): void {
    const at = now.getTime();
    const last = this.recorded[table].get(id);
    // A clock set back writes again rather than keeping silent until it has caught up.
    if (last !== undefined && at - last < LAST_USE_RESOLUTION_MS && at >= last) return;
    this.noted(table, id, at);
    const writing = this.write(table, [now.toISOString(), id, new Date(at - LAST_USE_RESOLUTION_MS).toISOString()]).then(
      () => undefined,
      (error: unknown) => this.warn(error, table),
    );
    this.inFlight.add(writing);
    void writing.finally(() => this.inFlight.delete(writing));
  }

  /** A use the database already holds (a session's start writes its first `last_used_at`). */
  known(table: UseTable, id: string, now: Date): void {
    this.noted(table, id, now.getTime());
  }

  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  private noted(table: UseTable, id: string, at: number): void {
    const recorded = this.recorded[table];
    if (recorded.size >= REMEMBERED_MAX && !recorded.has(id)) recorded.clear();
    recorded.set(id, at);
  }
}
