import type { LimitName } from './limits';
import type { CodePurpose } from './one-time-codes';

/**
 * An operator sign-in's outcome: a session started (`success`), a wrong password, unknown
 * address or a passkey that did not verify (`failure`), refused by a limit before a check
 * (`locked`), a right password with the second factor missing or wrong (`mfa`).
 */
export type LoginOutcome = 'success' | 'failure' | 'locked' | 'mfa';
/** A current token rotated, the previous one within the grace window, a rotated one replayed (the session is revoked), or anything else refused. */
export type RefreshOutcome = 'rotated' | 'grace' | 'reuse' | 'invalid';
/** Where an operation ran: `/graphql`, or a legacy REST endpoint through the bridge. */
export type OperationSurface = 'graphql' | 'rest';

/**
 * The events the gateway counts for its operators (`/metrics`). Lower layers receive this
 * plain object and call it where the event happens; the metrics library stays in `http/`
 * (src/http/metrics.ts), and the CLI and tests that do not look use `NO_METRICS`.
 */
export interface Metrics {
  login(outcome: LoginOutcome): void;
  refresh(outcome: RefreshOutcome): void;
  /** A one-time code issued and queued for mail. */
  codeSent(purpose: CodePurpose): void;
  /** A one-time code presented that was wrong, expired, burned or already used. */
  codeFailed(purpose: CodePurpose): void;
  /** A limit of src/lib/limits.ts refused a use. */
  limitHit(limit: LimitName): void;
  /** How long an operation's execution took, by its name (null: an anonymous operation). */
  operation(surface: OperationSurface, name: string | null | undefined, seconds: number): void;
}

/** Runs an operation and records how long it took under its name, whether it succeeded or threw. */
export async function timedOperation<T>(metrics: Metrics, surface: OperationSurface, name: string | null | undefined, run: () => Promise<T> | T): Promise<T> {
  const started = performance.now();
  try {
    return await run();
  } finally {
    metrics.operation(surface, name, (performance.now() - started) / 1000);
  }
}

const ignore = (): void => undefined;

export const NO_METRICS: Metrics = Object.freeze({
  login: ignore,
  refresh: ignore,
  codeSent: ignore,
  codeFailed: ignore,
  limitHit: ignore,
  operation: ignore,
});
