import os from 'node:os';
import argon2 from 'argon2';
import { dictionary } from '@zxcvbn-ts/language-common';

export interface Argon2Settings {
  memoryKib: number;
  timeCost: number;
  parallelism: number;
  /** How many hashes may run at once; the rest wait in a queue. */
  concurrency: number;
}

/**
 * argon2id hashing that never blocks the event loop (argon2 runs on libuv's thread pool)
 * and never runs more than `concurrency` hashes at once: a login storm waits in a queue
 * instead of taking every pool thread (file and DNS work need them too) and every core.
 *
 * Always call it outside of a database transaction: a hash takes tens of milliseconds by
 * design, and holding a connection (or SQLite's single writer) for that long starves others.
 */
export class PasswordHasher {
  private running = 0;
  private readonly waiting: Array<() => void> = [];
  private dummyHash: Promise<string> | undefined;

  constructor(private readonly settings: Argon2Settings) {}

  /** How many hashes are waiting for a slot (exported as a metric). */
  get queueDepth(): number {
    return this.waiting.length;
  }

  hash(password: string): Promise<string> {
    return this.withSlot(() =>
      argon2.hash(password, {
        type: argon2.argon2id,
        memoryCost: this.settings.memoryKib,
        timeCost: this.settings.timeCost,
        parallelism: this.settings.parallelism,
      }),
    );
  }

  async verify(hash: string, password: string): Promise<boolean> {
    return this.withSlot(async () => {
      try {
        return await argon2.verify(hash, password);
      } catch {
        return false;
      }
    });
  }

  /**
   * Spends one verification against a throw-away hash with the same parameters, so that
   * "no such user" costs as much time as "wrong password" (no enumeration by timing).
   */
  async verifyDummy(password: string): Promise<false> {
    this.dummyHash ??= this.hash(`dummy-${Math.random()}-${Date.now()}`);
    await this.verify(await this.dummyHash, password);
    return false;
  }

  /** True when a hash was made with other parameters than the current ones (rehash on login). */
  needsRehash(hash: string): boolean {
    return argon2.needsRehash(hash, {
      memoryCost: this.settings.memoryKib,
      timeCost: this.settings.timeCost,
      parallelism: this.settings.parallelism,
    });
  }

  private async withSlot<T>(work: () => Promise<T>): Promise<T> {
    if (this.running >= this.settings.concurrency) {
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.running += 1;
    }
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running -= 1;
    }
  }
}

export function defaultHashConcurrency(): number {
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
}

/**
 * The 49,000 most common passwords from zxcvbn-ts's maintained list (shipped inside the npm
 * package, so no network is needed). Compared case-insensitively: `Password1` is as weak
 * as `password1`.
 */
const COMMON_PASSWORDS: ReadonlySet<string> = new Set(dictionary['passwords-common'] as string[]);

export function isCommonPassword(password: string): boolean {
  return COMMON_PASSWORDS.has(password.toLowerCase());
}

export const COMMON_PASSWORD_LIST_SIZE = COMMON_PASSWORDS.size;
