#!/usr/bin/env node
import 'reflect-metadata';
import fs from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { ConfigError, loadConfig, type Config } from '../config';
import { loadDotEnv } from '../env-file';
import { createDb, type Db } from '../db/knex';
import type { Services } from '../graphql/context';
import { buildGatewaySchema } from '../graphql/schema';
import { systemClock } from '../lib/clock';
import { createServices, systemContext } from '../services';
import { commandHelp, commandList, fullHelp, parseInvocation, synopsis } from './args';
import { CliError, UsageError, type CommandSpec, type Io, type Run } from './command';
import { COMMANDS } from './commands';
import { requireMigrated } from './migrations';
import { OperationError, runOperation } from './run-operation';

/** The version in the package.json above this file (src/cli in development, dist/src/cli built). */
export function version(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (fs.existsSync(file)) {
      const pkg = JSON.parse(fs.readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'hydracore-identity-gateway' && pkg.version) return pkg.version;
    }
    if (path.dirname(dir) === dir) return 'unknown';
  }
}

const notOpened: Run = () => Promise.reject(new Error('this command does not run GraphQL operations'));

interface Issue {
  loc: Array<string | number>;
  msg: string;
  input?: unknown;
}

/** The input field an issue is about: the last name in its `loc` (`["input","features",0]`). */
const fieldOf = (issue: Issue): string => [...issue.loc].reverse().find((part): part is string => typeof part === 'string') ?? 'input';

/**
 * The API's 422 list in the command's words: each issue names the option that carried the
 * field (`--price: String should match pattern ...`). A value that came from no option (a
 * password) is never echoed.
 */
function issueLines(error: OperationError, command: CommandSpec): string[] {
  if (!Array.isArray(error.detail) || error.detail.length === 0) return [error.message];
  return (error.detail as Issue[]).map((issue) => {
    const name = fieldOf(issue);
    const option = command.options.find((o) => o.field === name);
    const label = option ? `--${option.name}` : (command.fieldLabels?.[name] ?? name);
    const got = option && issue.input !== undefined ? ` (got ${JSON.stringify(issue.input)})` : '';
    return `${label}: ${issue.msg}${got}`;
  });
}

/** The 422 list without the values that came from no option (a password is never printed). */
function redacted(detail: unknown, command: CommandSpec): unknown {
  if (!Array.isArray(detail)) return detail;
  return (detail as Issue[]).map((issue) => {
    const name = fieldOf(issue);
    if (command.options.some((o) => o.field === name)) return issue;
    const { input: _hidden, ...rest } = issue;
    return rest;
  });
}

function usageText(message: string, command: CommandSpec | undefined, listing?: readonly CommandSpec[]): string {
  const problem = message.split('\n').map((line) => `hydracore: ${line}`);
  if (listing) return [...problem, '', commandList(listing), ''].join('\n');
  if (!command) return `${problem.join('\n')}\n`;
  return [...problem, '', synopsis(command), `For more, try \`hydracore ${command.name} --help\`.`, ''].join('\n');
}

/** Errors worth one line rather than a stack: the database unreachable or refusing, a file system error. */
function isEnvironmentError(error: unknown): error is Error {
  if (!(error instanceof Error)) return false;
  const { code, severity } = error as Error & { code?: unknown; severity?: unknown };
  return error.name === 'MigrationLocked' || typeof severity === 'string' || (typeof code === 'string' && /^E[A-Z]+$/.test(code)) || /^SQLITE_/.test(String(code));
}

/** Prints a failure and returns the exit code: 2 for usage and invalid input, 1 otherwise. */
function report(error: unknown, command: CommandSpec, io: Io, json: boolean): number {
  if (error instanceof UsageError) {
    io.err(usageText(error.message, error.command ?? command, error.listing));
    return 2;
  }
  if (error instanceof OperationError) {
    const invalid = error.code === 'BAD_USER_INPUT';
    if (json) io.err(`${JSON.stringify({ error: { code: error.code ?? null, message: error.message, ...(error.detail === undefined ? {} : { detail: redacted(error.detail, command) }) } }, null, 2)}\n`);
    else if (invalid) io.err(usageText(issueLines(error, command).join('\n'), command));
    else io.err(`hydracore: ${error.message} (${error.code ?? 'ERROR'})\n`);
    return invalid ? 2 : 1;
  }
  if (error instanceof CliError || isEnvironmentError(error)) {
    const data = error instanceof CliError && typeof error.data === 'object' ? error.data : {};
    if (json) io.err(`${JSON.stringify({ error: { message: error.message, ...data } }, null, 2)}\n`);
    else io.err(`hydracore: ${error.message}\n`);
    return 1;
  }
  throw error;
}

/** Opens what the command needs: the database (only `migrate` may create it), then the operations. */
async function open(command: CommandSpec, config: Config): Promise<{ db?: Db; services?: Services; run: Run }> {
  const needs = command.needs ?? 'operations';
  if (needs === 'nothing') return { run: notOpened };
  const { database } = config;
  if (database.client === 'sqlite' && database.connection !== ':memory:' && command.name !== 'migrate' && !fs.existsSync(database.connection)) {
    throw new CliError(`no database at ${database.connection}: \`hydracore migrate\` creates it (or set DATABASE_URL to the server's)`);
  }
  // knex would also print a failed connection with its stack: the error is reported once, below.
  const db = createDb(database, { warn: () => undefined, error: () => undefined });
  if (needs === 'database') return { db, run: notOpened };
  try {
    await requireMigrated(db, database);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  // Logs go to stderr: stdout is the command's result (`--json` output must parse).
  const log = pino({ level: config.logLevel === 'silent' ? 'silent' : 'warn' }, pino.destination({ fd: 2, sync: true }));
  const services = createServices(config, db, systemClock, log);
  const context = systemContext(services);
  const schema = buildGatewaySchema();
  return { db, services, run: (operation, variables) => runOperation(schema, context, operation, variables) };
}

/**
 * `hydracore ...`: parses argv against the command table, runs the command, prints its
 * result (text, or JSON with `--json`) and returns the exit code: 0 done, 1 refused or
 * failed, 2 usage error or invalid input.
 */
export async function cli(argv: string[], out: (text: string) => void, err: (text: string) => void, stdin: Io['stdin'] = process.stdin): Promise<number> {
  const io: Io = { out, err, stdin };
  let invocation;
  try {
    invocation = parseInvocation(argv, COMMANDS);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    err(usageText(error.message, error.command, error.listing));
    return 2;
  }
  if (invocation.kind === 'version') {
    out(invocation.json ? `${JSON.stringify({ version: version() })}\n` : `hydracore ${version()}\n`);
    return 0;
  }
  if (invocation.kind === 'help') {
    const { command, group } = invocation;
    if (command) out(`${commandHelp(command)}\n`);
    else if (group) out(`${commandList(COMMANDS.filter((c) => c.name.startsWith(`${group} `)))}\n`);
    else out(`${fullHelp(COMMANDS, version())}\n`);
    return 0;
  }

  const { command, options, args, json } = invocation;
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    err(`${error.message}\n`);
    return 1;
  }
  let opened: Awaited<ReturnType<typeof open>> | undefined;
  try {
    opened = await open(command, config);
    const { db, run } = opened;
    const result = await command.run({ options, args, config, db: db as Db, run, io, json });
    out(json ? `${JSON.stringify(result.data, null, 2)}\n` : `${result.text}\n`);
    return 0;
  } catch (error) {
    return report(error, command, io, json);
  } finally {
    await opened?.services?.hot.close();
    await opened?.db?.destroy();
  }
}

if (require.main === module) {
  loadDotEnv();
  cli(process.argv.slice(2), (t) => process.stdout.write(t), (t) => process.stderr.write(t)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(1);
    },
  );
}
