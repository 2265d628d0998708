import { UniqueViolationError } from 'objection';

/**
 * True when a statement failed on a UNIQUE constraint, whether it came through objection
 * (wrapped as `UniqueViolationError`) or straight from knex (PostgreSQL 23505, SQLite
 * CONSTRAINT_UNIQUE / PRIMARYKEY).
 */
export function isUniqueViolation(error: unknown): boolean {
  if (error instanceof UniqueViolationError) return true;
  const code = (error as { code?: string } | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}
