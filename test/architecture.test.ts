import fs from 'node:fs';
import path from 'node:path';

/**
 * The layer rules of docs/architecture.md, checked on every import of `src/`, and the other
 * "one rule, one place" promises of issue 15 that a later change could quietly break.
 */
const root = path.resolve(__dirname, '..');
const src = path.join(root, 'src');

function files(dir: string, suffix: RegExp): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return files(full, suffix);
    return suffix.test(entry.name) ? [full] : [];
  });
}

/** `src/graphql/context.ts` → `graphql`; top-level files are the assembly. */
const layerOf = (file: string): string => {
  const parts = path.relative(src, file).split(path.sep);
  return parts.length === 1 ? 'assembly' : parts[0];
};

interface Import {
  from: string;
  /** The imported file, relative to `src/` without extension (`graphql/context`). */
  target: string;
}

const imports: Import[] = files(src, /\.ts$/).flatMap((file) =>
  [...fs.readFileSync(file, 'utf8').matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s+['"](\.[^'"]+)['"]/g)].map((match) => ({
    from: path.relative(src, file),
    target: path.relative(src, path.resolve(path.dirname(file), match[1])),
  })),
);

/**
 * What each layer may import besides itself (docs/architecture.md, "Layers"). A `/` entry
 * allows one file of a layer only. The assembly (`app.ts`, `main.ts`, `services.ts`,
 * `config.ts`, `cli/`) may import anything.
 */
const MAY_IMPORT: Record<string, readonly string[]> = {
  pydantic: [],
  lib: ['pydantic'],
  db: ['lib', 'assembly:config', 'migrations'],
  mail: ['lib', 'db', 'assembly:config'],
  validation: ['lib', 'pydantic'],
  modules: ['lib', 'pydantic', 'db', 'mail', 'validation', 'assembly:config', 'graphql/context', 'graphql/auth-checker', 'graphql/authenticate'],
  graphql: ['lib', 'pydantic', 'db', 'mail', 'validation', 'modules', 'assembly:config'],
  rest: ['lib', 'pydantic', 'validation', 'modules', 'graphql/context', 'graphql/auth-checker', 'graphql/compiled-execution', 'graphql/errors'],
  http: ['lib', 'db/knex', 'graphql/context', 'graphql/errors', 'rest/responses'],
};

function allowed(fromLayer: string, target: string): boolean {
  const parts = target.split(path.sep);
  const targetLayer = parts.length === 1 ? 'assembly' : parts[0] === '..' ? parts[1] : parts[0];
  if (targetLayer === fromLayer) return true;
  const rules = MAY_IMPORT[fromLayer];
  if (rules === undefined) return true;
  return rules.some((rule) => {
    if (rule.startsWith('assembly:')) return targetLayer === 'assembly' && parts[0] === rule.slice('assembly:'.length);
    if (rule.includes('/')) return target === rule.replace('/', path.sep);
    return targetLayer === rule;
  });
}

describe('architecture (docs/architecture.md)', () => {
  it('reads the imports of src/', () => {
    expect(imports.length).toBeGreaterThan(200);
  });

  it('every import follows the layer table', () => {
    const broken = imports.filter(({ from, target }) => !allowed(layerOf(path.join(src, from)), target)).map(({ from, target }) => `${from} -> ${target}`);
    expect(broken).toEqual([]);
  });

  it('the layer table itself is checked: a lower layer importing a higher one is refused', () => {
    expect(allowed('lib', path.join('graphql', 'context'))).toBe(false);
    expect(allowed('db', path.join('rest', 'responses'))).toBe(false);
    expect(allowed('graphql', path.join('rest', 'bridge'))).toBe(false);
    expect(allowed('pydantic', path.join('lib', 'errors'))).toBe(false);
    expect(allowed('modules', path.join('graphql', 'context'))).toBe(true);
  });

  it('the internal-error message is written once, in the error registry', () => {
    const sites = files(src, /\.ts$/).filter((file) => /Internal Server Error/i.test(fs.readFileSync(file, 'utf8')));
    expect(sites.map((file) => path.relative(src, file))).toEqual([path.join('lib', 'errors.ts')]);
  });

  it('tenant membership is queried in one module', () => {
    const sites = files(src, /\.ts$/).filter((file) => /\btenant_members\b/.test(fs.readFileSync(file, 'utf8')));
    expect(sites.map((file) => path.relative(src, file))).toEqual([path.join('db', 'memberships.ts')]);
  });

  it('the tests import nothing of bench/', () => {
    const testDir = path.join(root, 'test');
    const offenders = files(testDir, /\.ts$/).filter((file) => /from\s+['"](\.\.\/)+bench\//.test(fs.readFileSync(file, 'utf8')));
    expect(offenders.map((file) => path.relative(testDir, file))).toEqual([]);
  });

  it('every src/ folder has its tests in the matching place under test/', () => {
    const folders = files(src, /\.ts$/).map((file) => path.dirname(path.relative(src, file))).filter((dir) => dir !== '.');
    const missing = [...new Set(folders)].filter((dir) => {
      const tests = path.join(root, 'test', dir);
      return !fs.existsSync(tests) || files(tests, /\.test\.ts$/).length === 0;
    });
    expect(missing).toEqual([]);
  });
});
