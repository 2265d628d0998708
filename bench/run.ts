import 'reflect-metadata';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildApp } from '../src/app';
import { loadConfig } from '../src/config';
import { createDb, migrateLatest } from '../src/db/knex';

/**
 * `npm run bench`: measurements that must not be timed unit tests. Results go to
 * bench/results.md (figure, value, target, pass/fail).
 *
 * Login timing (operator-accounts issue): the median time of a login with an unknown email
 * must be within 10% of a login with a wrong password, with the production argon2 cost.
 */
interface Row {
  figure: string;
  value: string;
  target: string;
  pass: boolean;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};

async function loginTiming(samples: number): Promise<Row[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hydracore-bench-'));
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATABASE_URL: `sqlite:${path.join(dir, 'bench.sqlite')}`,
    JWT_SECRET: 'bench-secret-bench-secret-bench-secret-01',
    LOGIN_MAX_FAILURES: '10000',
  });
  const db = createDb(config.database);
  await migrateLatest(db);
  const app = await buildApp(config, { db, sendMail: false });
  const login = (email: string, password: string) =>
    app.inject({ method: 'POST', url: '/auth/login', payload: { email, password } });
  try {
    const registered = await app.inject({ method: 'POST', url: '/auth/register', payload: { email: 'bench@example.com', password: 'the real passphrase' } });
    if (registered.statusCode !== 200) throw new Error(`register failed: ${registered.body}`);
    for (let i = 0; i < 10; i += 1) {
      await login('bench@example.com', 'wrong passphrase');
      await login(`nobody${i}@example.com`, 'wrong passphrase');
    }
    const wrong: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < samples; i += 1) {
      // Interleaved, so drift on a shared machine hits both series alike.
      for (const [series, email] of [[wrong, 'bench@example.com'], [unknown, `ghost${i}@example.com`]] as const) {
        const start = process.hrtime.bigint();
        const res = await login(email, 'wrong passphrase');
        series.push(Number(process.hrtime.bigint() - start) / 1e6);
        if (res.statusCode !== 401) throw new Error(`expected 401, got ${res.statusCode}`);
      }
    }
    const wrongMedian = median(wrong);
    const unknownMedian = median(unknown);
    const ratio = unknownMedian / wrongMedian;
    return [
      { figure: 'login p50, wrong password (ms)', value: wrongMedian.toFixed(2), target: 'reference', pass: true },
      { figure: 'login p50, unknown email (ms)', value: unknownMedian.toFixed(2), target: 'reference', pass: true },
      {
        figure: 'unknown-email / wrong-password median ratio',
        value: ratio.toFixed(3),
        target: '0.90 .. 1.10',
        pass: ratio >= 0.9 && ratio <= 1.1,
      },
    ];
  } finally {
    await app.close();
    await db.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const samples = Number(process.env.BENCH_LOGIN_SAMPLES ?? 200);
  const started = new Date();
  const rows = await loginTiming(samples);
  const table = [
    '| figure | value | target | pass |',
    '|---|---|---|---|',
    ...rows.map((r) => `| ${r.figure} | ${r.value} | ${r.target} | ${r.pass ? 'pass' : 'FAIL'} |`),
  ].join('\n');
  const report = `# Benchmark results\n\nRun ${started.toISOString()} on ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? 'unknown'}), Node ${process.version}.\n\n## Login timing (argon2id m=19456 KiB, t=2, p=1; ${samples} interleaved samples each, in-process)\n\n${table}\n`;
  const file = path.resolve(__dirname, '..', '..', 'bench', 'results.md');
  fs.writeFileSync(file, report);
  process.stdout.write(`${report}\nwritten to ${file}\n`);
  if (rows.some((r) => !r.pass)) process.exitCode = 1;
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
