import { Model, type Pojo } from 'objection';

/**
 * Common ground for every model: UUID ids made by the application (both engines), and
 * column values normalised on the way in and out so that SQLite and PostgreSQL look the
 * same to the code above (SQLite has no boolean, timestamp or JSON types).
 */
export class BaseModel extends Model {
  /** Columns that hold timestamps: written as ISO-8601 text, read back as `Date`. */
  static dateColumns: readonly string[] = [];
  /** Columns that hold booleans: SQLite stores 0/1. */
  static booleanColumns: readonly string[] = [];

  override $parseDatabaseJson(json: Pojo): Pojo {
    const parsed = super.$parseDatabaseJson(json);
    const ctor = this.constructor as typeof BaseModel;
    for (const column of ctor.dateColumns) {
      const value = parsed[column];
      if (value !== null && value !== undefined && !(value instanceof Date)) parsed[column] = new Date(value as string);
    }
    for (const column of ctor.booleanColumns) {
      if (typeof parsed[column] === 'number') parsed[column] = parsed[column] === 1;
    }
    return parsed;
  }

  override $formatDatabaseJson(json: Pojo): Pojo {
    const formatted = super.$formatDatabaseJson(json);
    for (const [key, value] of Object.entries(formatted)) {
      if (value instanceof Date) formatted[key] = value.toISOString();
    }
    return formatted;
  }
}
