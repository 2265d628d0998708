import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { DatabaseConfig } from '../../src/config';
import { freePort } from './net';

/** The built server (`npm test` builds dist/ before jest runs). */
export const MAIN_JS = path.resolve(__dirname, '..', '..', 'dist', 'src', 'main.js');
export const builtServerExists = (): boolean => fs.existsSync(MAIN_JS);

export interface Gateway {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/**
 * The environment of a gateway or CLI process on the test database: this process's own, test
 * settings (cheap argon2), the database as `DATABASE_URL`, then `extra`.
 */
export function processEnv(database: DatabaseConfig, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    NODE_ENV: 'test',
    ARGON2_MEMORY_KIB: '1024',
    ARGON2_TIME_COST: '1',
    DATABASE_URL: database.client === 'sqlite' ? `sqlite:${database.connection}` : database.connection,
    DATABASE_SCHEMA: database.schema ?? '',
    ...extra,
  };
}

/** A real gateway process on the given database, ready (`/readyz`) when this resolves. */
export async function spawnGateway(database: DatabaseConfig, env: Record<string, string> = {}): Promise<Gateway> {
  const port = await freePort();
  const child = spawn(process.execPath, [MAIN_JS], {
    env: processEnv(database, {
      LOG_LEVEL: 'error',
      PORT: String(port),
      JWT_SECRET: 'gateway-test-secret-gateway-test-secret-01',
      MAIL_POLL_INTERVAL_MS: '3600000',
      // Load tests send everything from 127.0.0.1: the per-IP signup budget is raised here.
      SIGNUPS_PER_IP: '1000000',
      ...env,
    }),
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i += 1) {
    if (child.exitCode !== null) throw new Error(`gateway exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${url}/readyz`)).ok) break;
    } catch {
      /* not listening yet */
    }
    if (i > 150) throw new Error(`${url} did not become ready`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url,
    child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
