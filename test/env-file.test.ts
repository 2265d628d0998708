import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadDotEnv } from '../src/env-file';
import { builtServerExists, MAIN_JS } from './helpers/gateway';

const CLI_JS = path.resolve(__dirname, '..', 'dist', 'src', 'cli', 'main.js');

describe('.env', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hydracore-env-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('fills what the real environment leaves unset, and never replaces what it sets', () => {
    fs.writeFileSync(path.join(dir, '.env'), '# a comment\nPORT=9000\nexport LOG_LEVEL=debug\nPUBLIC_URL="https://id.example.com"\nHOST=0.0.0.0\n');
    const env: NodeJS.ProcessEnv = { PORT: '8001', HOST: '' };
    const loaded = loadDotEnv(env, path.join(dir, '.env'));
    expect(env).toEqual({ PORT: '8001', HOST: '', LOG_LEVEL: 'debug', PUBLIC_URL: 'https://id.example.com' });
    expect(loaded?.set.sort()).toEqual(['LOG_LEVEL', 'PUBLIC_URL']);
  });

  it('no file: nothing happens', () => {
    const env: NodeJS.ProcessEnv = {};
    expect(loadDotEnv(env, path.join(dir, '.env'))).toBeUndefined();
    expect(env).toEqual({});
  });

  (builtServerExists() ? it : it.skip)('is read by the real CLI (and the server) from the working directory', () => {
    const file = path.join(dir, 'from-dotenv.sqlite');
    fs.writeFileSync(path.join(dir, '.env'), `DATABASE_URL=sqlite:${file}\nNODE_ENV=test\n`);
    const env = { ...process.env };
    delete env.DATABASE_URL;
    delete env.NODE_ENV;
    const run = spawnSync(process.execPath, [CLI_JS, 'migrate'], { cwd: dir, env, encoding: 'utf8' });
    expect(run.status).toBe(0);
    expect(fs.existsSync(file)).toBe(true);

    // The real environment wins over the file.
    const other = path.join(dir, 'from-environment.sqlite');
    const wins = spawnSync(process.execPath, [CLI_JS, 'migrate'], { cwd: dir, env: { ...env, DATABASE_URL: `sqlite:${other}` }, encoding: 'utf8' });
    expect(wins.status).toBe(0);
    expect(fs.existsSync(other)).toBe(true);

    // The server reads it too: a bad value in .env stops it with the variable's name.
    fs.writeFileSync(path.join(dir, '.env'), 'PORT=not-a-port\nNODE_ENV=test\n');
    const server = spawnSync(process.execPath, [MAIN_JS], { cwd: dir, env: { ...env, PORT: undefined }, encoding: 'utf8', timeout: 20_000 });
    expect(server.status).toBe(1);
    expect(server.stderr).toContain('PORT must be a whole number from 1 to 65535 (got "not-a-port")');
  });
});
