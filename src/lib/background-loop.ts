import type { FastifyBaseLogger } from 'fastify';

/**
 * The loop of a database-backed background worker (the mail sender, the mail-request
 * resolver): a round runs on every poke (something was just committed) and on a poll
 * interval (work committed by another process, retries that became due). Rounds never
 * overlap within a process; across processes the worker's own claims keep them apart.
 */
export class BackgroundLoop {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = true;
  private unsubscribe: (() => void) | undefined;

  /** `batch` handles up to `batchSize` items and returns how many it handled. */
  constructor(
    private readonly name: string,
    private readonly batch: () => Promise<number>,
    private readonly batchSize: number,
    private readonly pollIntervalMs: number,
    private readonly log: FastifyBaseLogger,
  ) {}

  /** Starts polling; `subscribe` wires a "something was committed" signal to `poke`. */
  start(subscribe?: (listener: () => void) => () => void): void {
    this.stopped = false;
    this.unsubscribe = subscribe?.(() => this.poke());
    const tick = (): void => {
      this.poke();
      this.timer = setTimeout(tick, this.pollIntervalMs);
      this.timer.unref();
    };
    tick();
  }

  /** Runs a round now (or right after the current one). */
  poke(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.loop().finally(() => {
      this.running = undefined;
    });
  }

  /** Handles everything that is due now; resolves when nothing due is left (tests, CLI). */
  async drain(): Promise<void> {
    if (this.running) await this.running;
    while ((await this.batch()) > 0) {
      /* keep going */
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.unsubscribe?.();
    if (this.running) await this.running;
  }

  private async loop(): Promise<void> {
    do {
      this.again = false;
      try {
        while (!this.stopped && (await this.batch()) === this.batchSize) {
          /* a full batch: there may be more */
        }
      } catch (error) {
        this.log.error({ err: error }, `${this.name} round failed`);
      }
    } while (this.again && !this.stopped);
  }
}
