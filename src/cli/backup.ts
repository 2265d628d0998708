import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { CliError } from './command';
import { shellWord } from './output';

export interface SqliteBackup {
  source: string;
  file: string;
  bytes: number;
  pages: number;
}

/**
 * Copies a SQLite database with SQLite's online backup API while the server keeps serving.
 * Every page is copied in one step after the first: a step reads one snapshot (in WAL mode
 * the writers go on meanwhile), while page batches between which another connection writes
 * would make SQLite start over, possibly for ever on a busy database. The copy goes to a
 * temporary file beside FILE and takes FILE's name only once complete, so a failed backup
 * never leaves a half-written FILE; without `force` an existing FILE is never replaced
 * (a hard link fails if FILE appeared meanwhile).
 */
export async function backupSqlite(source: string, file: string, force: boolean): Promise<SqliteBackup> {
  if (source === ':memory:') throw new CliError('the database is in memory (DATABASE_URL=sqlite::memory:): there is nothing to back up');
  if (!fs.existsSync(source)) throw new CliError(`no database at ${source}`);
  const target = path.resolve(file);
  const exists = fs.existsSync(target);
  if (exists && !force) throw new CliError(`${file} already exists: add --force to replace it`);
  if (exists && [source, `${source}-wal`, `${source}-shm`].some((f) => fs.existsSync(f) && fs.realpathSync(f) === fs.realpathSync(target))) {
    throw new CliError(`${file} is the database itself`);
  }
  const dir = path.dirname(target);
  if (!fs.existsSync(dir)) throw new CliError(`${dir} does not exist`);

  const temporary = path.join(dir, `.${path.basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
  const db = new Database(source, { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    const { totalPages } = await db.backup(temporary, { progress: () => 0x7fffffff });
    // The copy keeps the source's WAL mode, which needs a writable -shm beside it even to be
    // read: a backup is one self-contained file instead (readable from read-only storage).
    const copy = new Database(temporary);
    try {
      copy.pragma('journal_mode = DELETE');
    } finally {
      copy.close();
    }
    if (force) fs.renameSync(temporary, target);
    else {
      try {
        fs.linkSync(temporary, target);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new CliError(`${file} already exists: add --force to replace it`);
        // A file system without hard links: the same check, then a rename.
        if (fs.existsSync(target)) throw new CliError(`${file} already exists: add --force to replace it`);
        fs.renameSync(temporary, target);
      }
    }
    return { source, file, bytes: fs.statSync(target).size, pages: totalPages };
  } finally {
    db.close();
    fs.rmSync(temporary, { force: true });
  }
}

/** The connection string with its password (in the user part or the query) replaced by `****`. */
export function maskPassword(connection: string): string {
  try {
    const url = new URL(connection);
    if (url.password) url.password = '****';
    if (url.searchParams.has('password')) url.searchParams.set('password', '****');
    return url.toString().replace(/%2A%2A%2A%2A/g, '****');
  } catch {
    return connection.replace(/:[^:@/]*@/, ':****@');
  }
}

/** The pg_dump command that backs up the configured PostgreSQL database (password masked). */
export function pgDumpCommand(connection: string, schema: string | undefined, file: string): string {
  return ['pg_dump', '--format=custom', `--file=${shellWord(file)}`, ...(schema ? [`--schema=${shellWord(schema)}`] : []), `--dbname=${shellWord(maskPassword(connection))}`].join(' ');
}
