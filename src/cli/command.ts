import type { Config } from '../config';
import type { Db } from '../db/knex';

/** One option of a command. Help, usage and parsing are all derived from these. */
export interface OptionSpec {
  /** Without the dashes: `base-domain`. */
  name: string;
  /** `string` takes a value; `int` a whole number; `list` a value and may repeat; `flag` takes none. */
  kind: 'string' | 'int' | 'list' | 'flag';
  /** The value's placeholder in usage lines (`--tenant SLUG`). */
  metavar?: string;
  help: string;
  required?: boolean;
  /**
   * The GraphQL input field the option fills: the API's complaints about that field name the
   * option, and a whole number takes that field's bounds (the API's rule, stated once).
   */
  field?: string;
  /** The values accepted (checked before anything runs). */
  choices?: readonly string[];
  /** Never accepted, for this reason (and not shown in the usage): `--password` on the command line. */
  refused?: string;
}

export type OptionValue = string | number | boolean | string[] | undefined;

export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** Where `--password-stdin` and the password prompt read (a TTY prompts without echo). */
  stdin: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (mode: boolean) => unknown };
}

/** Runs one GraphQL operation as the platform and returns its data. */
export type Run = (operation: string, variables?: Record<string, unknown>) => Promise<Record<string, unknown>>;

export interface CommandContext {
  options: Record<string, OptionValue>;
  /** The positional arguments after the command's name (`backup FILE`). */
  args: string[];
  config: Config;
  /** Open for `operations` and `database` commands. */
  db: Db;
  /** For `operations` commands: the database is migrated and the operations are ready. */
  run: Run;
  io: Io;
  json: boolean;
}

/** What a command produced: `data` for `--json` (stable keys), `text` for people. */
export interface Result {
  data: unknown;
  text: string;
}

export interface CommandSpec {
  /** One or two words: `migrate`, `member add`. */
  name: string;
  /** The heading it is listed under in the help. */
  section: string;
  summary: string;
  /** More about it, shown by `--help` (lines). */
  details?: readonly string[];
  args?: ReadonlyArray<{ name: string; help: string }>;
  options: readonly OptionSpec[];
  /** The GraphQL input class the options fill (for the bounds of whole numbers). */
  input?: Function;
  /** Names for input fields no option fills (`password` is read from a prompt or stdin). */
  fieldLabels?: Readonly<Record<string, string>>;
  examples: readonly string[];
  /**
   * What it opens: `operations` (default) a migrated database and the GraphQL operations;
   * `database` the database at whatever migration state (only `migrate` creates it);
   * `nothing` (it opens what it needs itself).
   */
  needs?: 'operations' | 'database' | 'nothing';
  run(ctx: CommandContext): Promise<Result>;
}

/**
 * Bad invocation: one line, then the command's usage (or, for an unknown command, the
 * commands it could have been); exit code 2.
 */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly command?: CommandSpec,
    readonly listing?: readonly CommandSpec[],
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A refusal or failure worth one line (no stack): exit code 1. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
    this.name = 'CliError';
  }
}
