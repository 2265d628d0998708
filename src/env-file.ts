import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseEnv } from 'node:util';

/**
 * Reads `.env` from the working directory into the environment, for the server and the CLI
 * alike, before the configuration is read. The real environment wins: a variable already set
 * (even to an empty string) is never replaced, so a deployment's settings cannot be overridden
 * by a stray file. No file, nothing happens. The syntax is Node's (`KEY=value`, `# comments`,
 * quotes, `export KEY=value`), the same as docker compose's and dotenv's for these files.
 * Returns the file read and the names it set, for the start-up summary.
 */
export function loadDotEnv(env: NodeJS.ProcessEnv = process.env, file = path.resolve('.env')): { file: string; set: string[] } | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`.env could not be read: ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  const set: string[] = [];
  for (const [name, value] of Object.entries(parseEnv(text))) {
    if (env[name] !== undefined) continue;
    env[name] = value;
    set.push(name);
  }
  return { file, set };
}
