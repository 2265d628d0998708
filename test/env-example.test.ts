import { readFileSync } from 'node:fs';
import path from 'node:path';
import { EXAMPLE_JWT_SECRET, loadConfig } from '../src/config';
import { LIMITS } from '../src/lib/limits';

const root = path.resolve(__dirname, '..');

/** Variables named in config.ts (the only place the environment is read), and the limits table it reads. */
function variablesReadByConfig(): string[] {
  const source = readFileSync(path.join(root, 'src', 'config.ts'), 'utf8');
  const limits: string[] = Object.values(LIMITS).flatMap((spec): string[] => (spec.windowEnv === undefined ? [spec.env] : [spec.env, spec.windowEnv]));
  return [...new Set([...[...source.matchAll(/reader\.\w+\('([A-Z][A-Z0-9_]+)'/g)].map((m) => m[1]), ...limits])].sort();
}

function variablesInExample(): Map<string, string> {
  const lines = readFileSync(path.join(root, '.env.example'), 'utf8').split('\n');
  return new Map(lines.filter((l) => /^[A-Z][A-Z0-9_]*=/.test(l)).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
}

describe('.env.example', () => {
  it('documents exactly the variables the config reads', () => {
    expect([...variablesInExample().keys()].sort()).toEqual(variablesReadByConfig());
  });

  it('is itself a valid configuration', () => {
    expect(() => loadConfig(Object.fromEntries(variablesInExample()))).not.toThrow();
  });

  it("shows the JWT_SECRET the start-up warns about (a secret printed in the repository is no secret)", () => {
    expect(variablesInExample().get('JWT_SECRET')).toBe(EXAMPLE_JWT_SECRET);
    expect(loadConfig(Object.fromEntries(variablesInExample())).warnings).toEqual([expect.stringMatching(/^JWT_SECRET is the example value of \.env\.example/)]);
  });
});
