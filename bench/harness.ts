import fs from 'node:fs';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { freePort } from '../test/helpers/net';

/** Processes the benchmark drives: gateway servers and load generators, each its own process. */
export const ROOT = path.resolve(__dirname, '..', '..');
const SERVER = path.join(ROOT, 'dist', 'bench', 'server.js');
const REFERENCE = path.join(ROOT, 'dist', 'bench', 'reference.js');
const APOLLO_FLOOR = path.join(ROOT, 'dist', 'bench', 'apollo-floor.js');
const REFRESH_LOAD = path.join(ROOT, 'dist', 'bench', 'refresh-load.js');
const SIGNUP_LOAD = path.join(ROOT, 'dist', 'bench', 'signup-load.js');
const AUTOCANNON = path.join(ROOT, 'node_modules', 'autocannon', 'autocannon.js');


/** Linux's USER_HZ: /proc reports CPU time in these ticks. */
const CLOCK_TICKS_PER_SECOND = 100;

export interface Server {
  url: string;
  /** Resident memory of the server process now, in MiB (Linux /proc). */
  rssMiB(): number;
  /** CPU time the server process has used so far (all its threads), in seconds (Linux /proc). */
  cpuSeconds(): number;
  /** The gateway's JavaScript heap still in use after a full garbage collection, in MiB (bench/server.ts answers SIGUSR2). */
  retainedMiB(): Promise<number>;
  stop(): Promise<void>;
}

export const BASE_ENV: Record<string, string> = {
  NODE_ENV: 'production',
  MAIL_TRANSPORT: 'console',
  LOG_LEVEL: 'warn',
  JWT_SECRET: 'bench-secret-bench-secret-bench-secret-0123',
  // Required in production (it seals TOTP secrets); the benchmark enrols no second factor.
  MFA_ENCRYPTION_KEY: '0000000000000000000000000000000000000000000000000000000000000000',
  // Every load generator sends from 127.0.0.1: the per-IP and per-tenant budgets would measure
  // themselves instead of the gateway. The per-key and per-address limits stay on.
  RATE_LIMIT_PER_IP: '10000000',
  LOGIN_FAILURES_PER_IP: '10000000',
  REGISTRATIONS_PER_IP: '10000000',
  SIGNUPS_PER_IP: '10000000',
  SIGNUPS_PER_TENANT: '10000000',
  LOGIN_MAX_FAILURES: '10000',
  MAIL_POLL_INTERVAL_MS: '3600000',
  METRICS_ENABLED: 'false',
};

/** The gateway (dist/bench/server.js) in its own process, ready when this resolves. */
export function startServer(env: Record<string, string>): Promise<Server> {
  return startProcess(SERVER, env);
}

/** Bare Fastify + Apollo answering `{ me }` from a constant (bench/apollo-floor.ts), in its own process. */
export function startApolloFloor(): Promise<Server> {
  return startProcess(APOLLO_FLOOR, {});
}

/** The reference route (bench/reference.ts) in its own process, on the same database. */
export function startReference(env: Record<string, string>): Promise<Server> {
  return startProcess(REFERENCE, env);
}

async function startProcess(file: string, env: Record<string, string>): Promise<Server> {
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, [file], {
    env: { ...process.env, ...BASE_ENV, ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const heapReports: Array<(bytes: number) => void> = [];
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('ready\n')) resolve();
      for (let end = out.indexOf('\n'); end !== -1; end = out.indexOf('\n')) {
        const line = out.slice(0, end);
        out = out.slice(end + 1);
        if (line.startsWith('heap ')) heapReports.shift()?.(Number(line.slice(5)));
      }
    });
    child.on('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    cpuSeconds: () => {
      // Fields 14 and 15 of /proc/PID/stat (after the parenthesised name): user and system ticks.
      const fields = fs.readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1].split(' ');
      return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
    },
    retainedMiB: () =>
      new Promise<number>((resolve) => {
        heapReports.push((bytes) => resolve(bytes / 1024 / 1024));
        child.kill('SIGUSR2');
      }),
    rssMiB: () => {
      const status = fs.readFileSync(`/proc/${child.pid}/status`, 'utf8');
      return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

export interface Load {
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  total: number;
}

function run(file: string, args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [file, ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${path.basename(file)} exited with ${code}`))));
    child.stdin.end(input ?? '');
  });
}

/** autocannon in its own process: JSON summary → requests/s and latency percentiles (ms). */
export async function cannon(url: string, options: { connections: number; seconds: number; method?: string; body?: string; headers?: Record<string, string>; rate?: number }): Promise<Load> {
  const args = ['-j', '-c', String(options.connections), '-d', String(options.seconds)];
  if (options.rate !== undefined) args.push('-R', String(options.rate));
  if (options.method) args.push('-m', options.method);
  if (options.body) args.push('-b', options.body);
  for (const [name, value] of Object.entries(options.headers ?? {})) args.push('-H', `${name}=${value}`);
  args.push(url);
  const summary = JSON.parse(await run(AUTOCANNON, args)) as {
    requests: { average: number; total: number };
    latency: { p50: number; p99: number };
    non2xx: number;
  };
  return { rps: summary.requests.average, p50: summary.latency.p50, p99: summary.latency.p99, non2xx: summary.non2xx, total: summary.requests.total };
}

export async function refreshLoad(url: string, tokens: string[], seconds: number): Promise<{ rps: number; errors: number; requests: number }> {
  return JSON.parse(await run(REFRESH_LOAD, [url, String(seconds)], JSON.stringify(tokens)));
}

export async function signupLoad(url: string, seconds: number, connections: number, tenant: string, label: string): Promise<{ rps: number; failures: number; requests: number }> {
  return JSON.parse(await run(SIGNUP_LOAD, [url, String(seconds), String(connections), tenant, label]));
}

export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json().catch(() => ({}))) as Record<string, unknown> };
}
