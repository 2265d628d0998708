import fs from 'node:fs';
import path from 'node:path';

/**
 * Issue 15: every runtime dependency is used. A dependency counts as used when a source file
 * imports it (or a file of it), when the explorer serves one of its files (`moduleFile('x/...')`),
 * or when a dependency of ours requires it as a peer (npm would otherwise not install it).
 */
const root = path.resolve(__dirname, '..');
const pkg = (dir: string) => JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return /\.(ts|js)$/.test(entry.name) ? [full] : [];
  });
}

describe('runtime dependencies', () => {
  const dependencies = Object.keys(pkg(root).dependencies as Record<string, string>);
  const source = sourceFiles(path.join(root, 'src')).map((file) => fs.readFileSync(file, 'utf8')).join('\n');
  const escape = (name: string) => name.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  const referenced = (name: string) => new RegExp(`['"\`]${escape(name)}(/[^'"\`]*)?['"\`]`).test(source);
  const peerOf = (name: string) =>
    dependencies.filter((other) => other !== name && Object.keys(pkg(path.join(root, 'node_modules', other)).peerDependencies ?? {}).includes(name));

  it.each(dependencies)('%s is imported, served, or a peer a dependency needs', (name) => {
    expect({ name, used: referenced(name) || peerOf(name).length > 0 }).toEqual({ name, used: true });
  });
});
