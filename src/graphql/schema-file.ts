import { readFileSync } from 'node:fs';
import path from 'node:path';

/** Where the committed schema lives: the repository root (from `src/` or from `dist/src/`). */
const aboveSrc = path.resolve(__dirname, '..', '..');
export const SCHEMA_FILE = path.join(path.basename(aboveSrc) === 'dist' ? path.dirname(aboveSrc) : aboveSrc, 'schema.graphql');

export type SchemaCheck = { ok: true } | { ok: false; firstDifference: { line: number; committed: string; current: string } };

/** Compares the committed schema with the one the code builds, naming the first differing line. */
export function checkSchemaFile(current: string, file: string = SCHEMA_FILE): SchemaCheck {
  let committed = '';
  try {
    committed = readFileSync(file, 'utf8');
  } catch {
    /* a missing file differs at line 1 */
  }
  if (committed === current) return { ok: true };
  const a = committed.split('\n');
  const b = current.split('\n');
  let line = 0;
  while (line < Math.max(a.length, b.length) && a[line] === b[line]) line += 1;
  return { ok: false, firstDifference: { line: line + 1, committed: a[line] ?? '<end of file>', current: b[line] ?? '<end of file>' } };
}
