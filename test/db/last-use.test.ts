import { LastUse, type LastUseBatch } from '../../src/db/last-use';

/**
 * The batching of last use (src/db/last-use.ts) on its own, with a writer that records what it
 * is given: its bounds (thousands of active sessions) are out of reach of HTTP tests. What the
 * statements do to the database is tested through the gateway (test/modules/sessions,
 * test/db/hot-path.test.ts, test/modules/api-keys).
 */
describe('last use, batched', () => {
  const at = (s: number) => new Date(Date.UTC(2026, 10, 21, 12, 0, s));
  const iso = (s: number) => at(s).toISOString();

  /** A writer that holds each batch until released, and never runs two at once unnoticed. */
  function writer() {
    const batches: LastUseBatch[] = [];
    let running = 0;
    let overlapped = false;
    let release: (() => void) | undefined;
    let hold = false;
    const write = async (batch: LastUseBatch) => {
      running += 1;
      if (running > 1) overlapped = true;
      batches.push(batch);
      if (hold) await new Promise<void>((resolve) => (release = resolve));
      running -= 1;
    };
    return {
      write,
      batches,
      overlapped: () => overlapped,
      holdNext: () => (hold = true),
      release: () => {
        hold = false;
        release?.();
      },
    };
  }

  it('writes the latest use of each row, once per batch, both tables together; nothing when nothing was used', async () => {
    const w = writer();
    const lastUse = new LastUse(w.write, () => undefined, { flushMs: 0 });
    lastUse.record('sessions', 's1', at(1));
    lastUse.record('sessions', 's2', at(2));
    lastUse.record('sessions', 's1', at(5));
    lastUse.record('sessions', 's1', at(3)); // a clock set back: the later use stays
    lastUse.record('api_keys', 'k1', at(4));
    await lastUse.flush();
    expect(w.batches).toEqual([{ sessions: { ids: ['s2', 's1'], at: [iso(2), iso(5)] }, api_keys: { ids: ['k1'], at: [iso(4)] } }]);
    await lastUse.flush();
    lastUse.record('api_keys', 'k1', at(9));
    await lastUse.close();
    expect(w.batches).toEqual([w.batches[0], { api_keys: { ids: ['k1'], at: [iso(9)] } }]);
  });

  it('full, it writes at once; full again while that write runs, it drops the use seen longest ago, never all', async () => {
    const w = writer();
    const lastUse = new LastUse(w.write, () => undefined, { flushMs: 0, pendingMax: 3 });
    w.holdNext();
    for (const [i, id] of ['a', 'b', 'c'].entries()) lastUse.record('sessions', id, at(i));
    await new Promise(setImmediate);
    expect(w.batches).toEqual([{ sessions: { ids: ['a', 'b', 'c'], at: [iso(0), iso(1), iso(2)] } }]);

    // While that write is held: d, e, f fill the memory; d is used again (it moves last), so g
    // pushes out e, the one unused longest, and h pushes out f.
    lastUse.record('sessions', 'd', at(3));
    lastUse.record('sessions', 'e', at(4));
    lastUse.record('sessions', 'f', at(5));
    lastUse.record('sessions', 'd', at(6));
    lastUse.record('sessions', 'g', at(7));
    lastUse.record('sessions', 'h', at(8));
    w.release();
    await lastUse.flush();
    expect(w.batches).toEqual([w.batches[0], { sessions: { ids: ['d', 'g', 'h'], at: [iso(6), iso(7), iso(8)] } }]);
    expect(w.overlapped()).toBe(false);
  });

  it('a failed write is reported and forgotten; the next batch is written', async () => {
    const failures: unknown[] = [];
    let fail = true;
    const written: LastUseBatch[] = [];
    const lastUse = new LastUse(
      async (batch) => {
        if (fail) throw new Error('database away');
        written.push(batch);
      },
      (error) => failures.push(error),
      { flushMs: 0 },
    );
    lastUse.record('sessions', 's1', at(1));
    await lastUse.flush();
    fail = false;
    lastUse.record('sessions', 's2', at(2));
    await lastUse.flush();
    expect(failures).toEqual([new Error('database away')]);
    expect(written).toEqual([{ sessions: { ids: ['s2'], at: [iso(2)] } }]);
  });

  it('writes on its timer, and stops with close', async () => {
    const w = writer();
    const lastUse = new LastUse(w.write, () => undefined, { flushMs: 10 });
    lastUse.record('sessions', 's1', at(1));
    const deadline = Date.now() + 2000;
    while (w.batches.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(w.batches).toEqual([{ sessions: { ids: ['s1'], at: [iso(1)] } }]);
    await lastUse.close();
    lastUse.record('sessions', 's2', at(2));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(w.batches).toHaveLength(1);
  });
});
