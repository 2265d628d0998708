import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Services } from '../graphql/context';
import { LIMITS, type LimitName } from '../lib/limits';
import type { LoginOutcome, Metrics, OperationSurface, RefreshOutcome } from '../lib/metrics';
import type { CodePurpose } from '../lib/one-time-codes';

/** Every metric of the gateway's own starts with this (the process's default metrics keep their usual names). */
export const METRIC_PREFIX = 'hydracore_';

const LOGIN_OUTCOMES: readonly LoginOutcome[] = ['success', 'failure', 'locked', 'mfa'];
const REFRESH_OUTCOMES: readonly RefreshOutcome[] = ['rotated', 'grace', 'reuse', 'invalid'];
const CODE_PURPOSES: readonly CodePurpose[] = ['verify_email', 'customer_login', 'signup_verify', 'change_email'];
const SURFACES: readonly OperationSurface[] = ['graphql', 'rest'];

/**
 * Operation names become label values, and anyone may name an operation sent to `/graphql`:
 * only GraphQL-shaped names of at most 64 characters are kept, and only the first
 * MAX_OPERATION_NAMES of them per process; anything else is timed as `other`, so a client
 * inventing names cannot grow the series without bound.
 */
const OPERATION_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
export const MAX_OPERATION_NAMES = 200;
const ANONYMOUS = '';

const SECONDS_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/** One labelled child per label value, made once and kept (no label object built per event). */
function childrenOf<Label extends string, Child>(values: readonly Label[], make: (value: Label) => Child): Record<Label, Child> {
  return Object.fromEntries(values.map((value) => [value, make(value)])) as Record<Label, Child>;
}

/** A counter's child for each known label value, at zero from the start (so it is listed, and rates are 0). */
function countersOf<Label extends string>(counter: Counter, values: readonly Label[]): Record<Label, Counter.Internal> {
  return childrenOf(values, (value) => {
    const child = counter.labels(value);
    child.inc(0);
    return child;
  });
}

/**
 * The Prometheus side of the gateway (`/metrics`): the registry, the HTTP request figures, and
 * the `Metrics` events lower layers count through a plain object. Every known label value of
 * a counter is created at zero up front, so a rate over a series that has not moved yet is 0,
 * not absent. Each event is one call on a child kept from the start (or, for operation names,
 * from its first use): no label object and no lookup by labels per event.
 */
export class GatewayMetrics implements Metrics {
  readonly registry = new Registry();
  private readonly requests = new Counter({
    name: `${METRIC_PREFIX}http_requests_total`,
    help: 'HTTP requests by route pattern, method and status.',
    labelNames: ['route', 'method', 'status'],
    registers: [this.registry],
  });
  private readonly latency = new Histogram({
    name: `${METRIC_PREFIX}http_request_duration_seconds`,
    help: 'HTTP request latency by route pattern and method.',
    labelNames: ['route', 'method'],
    buckets: SECONDS_BUCKETS,
    registers: [this.registry],
  });
  private readonly logins: Record<LoginOutcome, Counter.Internal>;
  private readonly refreshes: Record<RefreshOutcome, Counter.Internal>;
  private readonly codesSent: Record<CodePurpose, Counter.Internal>;
  private readonly codesFailed: Record<CodePurpose, Counter.Internal>;
  private readonly limitsHit: Record<LimitName, Counter.Internal>;
  private readonly operations = new Histogram({
    name: `${METRIC_PREFIX}graphql_operation_duration_seconds`,
    help: 'Execution time of GraphQL operations by surface (graphql: /graphql, rest: a legacy endpoint through the bridge) and operation name (anonymous; other: a name not kept as a label).',
    labelNames: ['surface', 'operation'],
    buckets: SECONDS_BUCKETS,
    registers: [this.registry],
  });
  private readonly operationTimers: Record<OperationSurface, Map<string, Histogram.Internal<string>>>;
  private readonly otherOperations: Record<OperationSurface, Histogram.Internal<string>>;
  private operationNames = 0;
  private readonly requestCounters = new Map<string, Counter.Internal>();
  private readonly requestTimers = new Map<string, Histogram.Internal<string>>();

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    const counter = (name: string, help: string, label: string) => new Counter({ name: `${METRIC_PREFIX}${name}`, help, labelNames: [label], registers: [this.registry] });
    const logins = counter('logins_total', 'Operator sign-ins (login, /auth/login, /auth/token, verifyMfa, passkeys) by outcome: success (a session started), failure (wrong password, unknown address, passkey not verified), locked (refused by a limit before a check), mfa (right password, second factor missing or wrong).', 'outcome');
    this.logins = countersOf(logins, LOGIN_OUTCOMES);
    const refreshes = counter('refreshes_total', 'Refresh-token uses (operators and customers) by outcome: rotated, grace (the previous token within 10 s), reuse (session revoked), invalid.', 'outcome');
    this.refreshes = countersOf(refreshes, REFRESH_OUTCOMES);
    const sent = counter('one_time_codes_sent_total', 'One-time codes issued and queued for mail, by purpose.', 'purpose');
    this.codesSent = countersOf(sent, CODE_PURPOSES);
    const failed = counter('one_time_codes_failed_total', 'One-time codes presented that were wrong, expired, burned or used, by purpose.', 'purpose');
    this.codesFailed = countersOf(failed, CODE_PURPOSES);
    const limits = counter('limits_hit_total', 'Uses refused by an abuse limit, by limit (the names of src/lib/limits.ts).', 'limit');
    this.limitsHit = countersOf(limits, Object.keys(LIMITS) as LimitName[]);
    this.operationTimers = childrenOf(SURFACES, () => new Map());
    this.otherOperations = childrenOf(SURFACES, (surface) => this.operations.labels(surface, 'other'));
  }

  login(outcome: LoginOutcome): void {
    this.logins[outcome].inc();
  }

  refresh(outcome: RefreshOutcome): void {
    this.refreshes[outcome].inc();
  }

  codeSent(purpose: CodePurpose): void {
    this.codesSent[purpose].inc();
  }

  codeFailed(purpose: CodePurpose): void {
    this.codesFailed[purpose].inc();
  }

  limitHit(limit: LimitName): void {
    this.limitsHit[limit].inc();
  }

  operation(surface: OperationSurface, name: string | null | undefined, seconds: number): void {
    const timers = this.operationTimers[surface];
    const key = name ?? ANONYMOUS;
    let timer = timers.get(key);
    if (timer === undefined) {
      if (key !== ANONYMOUS && (!OPERATION_NAME.test(key) || this.operationNames >= MAX_OPERATION_NAMES)) {
        this.otherOperations[surface].observe(seconds);
        return;
      }
      if (key !== ANONYMOUS) this.operationNames += 1;
      timers.set(key, (timer = this.operations.labels(surface, key === ANONYMOUS ? 'anonymous' : key)));
    }
    timer.observe(seconds);
  }

  /** One answered request: the route pattern (never the URL: ids in paths must not explode the labels). */
  request(route: string, method: string, status: number, seconds: number): void {
    // The labelled children are looked up once per (route, method, status) and kept, instead
    // of prom-client hashing the label object on every call.
    const routeKey = `${method} ${route}`;
    const countKey = `${routeKey} ${status}`;
    let counter = this.requestCounters.get(countKey);
    if (!counter) this.requestCounters.set(countKey, (counter = this.requests.labels({ route, method, status: String(status) })));
    let timer = this.requestTimers.get(routeKey);
    if (!timer) this.requestTimers.set(routeKey, (timer = this.latency.labels({ route, method })));
    counter.inc();
    timer.observe(seconds);
  }

  /**
   * The figures read from the services when scraped: the shared rate-limit store's state,
   * the argon2 queue, and the outbox (one query per scrape, see MailOutbox.health).
   */
  watch(services: Services, rateLimitStoreDegraded: () => boolean): () => Promise<string> {
    new Gauge({
      name: `${METRIC_PREFIX}rate_limit_store_degraded`,
      help: '1 while the shared rate-limit store (Redis) is unreachable and limits are enforced per process.',
      registers: [this.registry],
      collect() {
        this.set(rateLimitStoreDegraded() ? 1 : 0);
      },
    });
    new Gauge({
      name: `${METRIC_PREFIX}argon2_queue_depth`,
      help: 'Password hashes waiting for a hashing slot.',
      registers: [this.registry],
      collect() {
        this.set(services.passwords.queueDepth);
      },
    });
    const backlog = new Gauge({ name: `${METRIC_PREFIX}mail_outbox_backlog`, help: 'Mail waiting in the outbox (pending delivery or retry).', registers: [this.registry] });
    const oldestAge = new Gauge({
      name: `${METRIC_PREFIX}mail_outbox_oldest_pending_age_seconds`,
      help: 'Age of the oldest mail waiting in the outbox (0 when none waits).',
      registers: [this.registry],
    });
    const expired = new Counter({
      name: `${METRIC_PREFIX}mail_outbox_expired_total`,
      help: 'Mail dropped because its expiry passed before a transport accepted it.',
      registers: [this.registry],
    });
    return async () => {
      const outbox = await services.outbox.health(services.db);
      backlog.set(outbox.pending);
      oldestAge.set(outbox.oldestPendingAgeSeconds);
      // The database keeps the count (every process sees the same, and it survives restarts).
      expired.reset();
      expired.inc(outbox.expired);
      return this.registry.metrics();
    };
  }
}
