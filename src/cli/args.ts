import { parseArgs } from 'node:util';
import { buildGatewaySchema } from '../graphql/schema';
import { inputModelFor } from '../validation/input-model';
import { UsageError, type CommandSpec, type OptionSpec, type OptionValue } from './command';

/** Options every command takes. */
export const GLOBAL_OPTIONS: readonly OptionSpec[] = [
  { name: 'json', kind: 'flag', help: 'print JSON (stable keys) instead of text for people' },
  { name: 'help', kind: 'flag', help: "print this command's usage" },
];

export type Invocation =
  | { kind: 'version'; json: boolean }
  | { kind: 'help'; command?: CommandSpec; group?: string }
  | { kind: 'run'; command: CommandSpec; options: Record<string, OptionValue>; args: string[]; json: boolean };

type ParseArgsOptions = Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }>;

/**
 * Every option name of every command, for `parseArgs` to know which take a value (so a value
 * is never mistaken for a positional). A name means the same thing in every command.
 */
function knownOptions(commands: readonly CommandSpec[]): ParseArgsOptions {
  const known: ParseArgsOptions = { version: { type: 'boolean' }, help: { type: 'boolean', short: 'h' }, json: { type: 'boolean' } };
  for (const option of commands.flatMap((c) => c.options)) {
    const type = option.kind === 'flag' ? 'boolean' : 'string';
    const existing = known[option.name];
    if (existing && (existing.type !== type || Boolean(existing.multiple) !== (option.kind === 'list'))) {
      throw new Error(`--${option.name} is declared with two different kinds`);
    }
    known[option.name] = { type, ...(option.kind === 'list' ? { multiple: true } : {}) };
  }
  return known;
}

/** The command the positionals name (the longest match), and what follows its name. */
function findCommand(commands: readonly CommandSpec[], positionals: string[]): { command: CommandSpec; rest: string[] } {
  const matches = commands.filter((c) => {
    const words = c.name.split(' ');
    return words.every((word, i) => positionals[i] === word);
  });
  const command = matches.sort((a, b) => b.name.length - a.name.length)[0];
  const group = commands.filter((c) => c.name.split(' ')[0] === positionals[0]);
  if (!command) {
    if (group.length === 0) throw new UsageError(`unknown command "${positionals[0]}"`, undefined, commands);
    const asked = positionals.slice(0, 2).join(' ');
    throw new UsageError(positionals.length === 1 ? `"${asked}" needs a subcommand` : `unknown command "${asked}"`, undefined, group);
  }
  const rest = positionals.slice(command.name.split(' ').length);
  // `migrate frob`: not an argument of `migrate` but a subcommand that does not exist.
  if (rest.length > 0 && (command.args ?? []).length === 0 && !command.name.includes(' ') && group.length > 1) {
    throw new UsageError(`unknown command "${command.name} ${rest[0]}"`, undefined, group);
  }
  return { command, rest };
}

/** The bounds the API puts on the input field an option fills (its `@Min`/`@Max`). */
export function boundsOf(command: CommandSpec, option: OptionSpec): { min?: number; max?: number } {
  if (!command.input || !option.field) return {};
  const field = inputModelFor(command.input, buildGatewaySchema()).fields.find((f) => f.property === option.field);
  if (!field) throw new Error(`${command.name}: ${command.input.name} has no field ${option.field}`);
  return field.rule.kind === 'int' ? { min: field.rule.ge, max: field.rule.le } : {};
}

function wholeNumber(command: CommandSpec, option: OptionSpec, text: string): number {
  const { min, max } = boundsOf(command, option);
  const value = /^-?\d+$/.test(text) ? Number(text) : Number.NaN;
  const inRange = Number.isSafeInteger(value) && (min === undefined || value >= min) && (max === undefined || value <= max);
  if (inRange) return value;
  const range = min !== undefined && max !== undefined ? ` from ${min} to ${max}` : min !== undefined ? ` of at least ${min}` : max !== undefined ? ` of at most ${max}` : '';
  throw new UsageError(`--${option.name} must be a whole number${range} (got ${JSON.stringify(text)})`, command);
}

/** Reads argv into a command and its checked, typed option values (or help, or the version). */
export function parseInvocation(argv: string[], commands: readonly CommandSpec[]): Invocation {
  const { positionals, tokens } = parseArgs({ args: argv, options: knownOptions(commands), allowPositionals: true, strict: false, tokens: true });
  const given = tokens.filter((t) => t.kind === 'option');
  const has = (name: string) => given.some((t) => t.name === name);

  if (positionals[0] === 'help') {
    if (positionals.length === 1) return { kind: 'help' };
    return { kind: 'help', command: findCommand(commands, positionals.slice(1)).command };
  }
  if (positionals.length === 0) {
    if (has('version')) return { kind: 'version', json: has('json') };
    if (has('help')) return { kind: 'help' };
    throw new UsageError('a command is required', undefined, commands);
  }
  let found: { command: CommandSpec; rest: string[] };
  try {
    found = findCommand(commands, positionals);
  } catch (error) {
    // `hydracore member --help`: the group's commands.
    if (has('help') && positionals.length === 1 && commands.some((c) => c.name.startsWith(`${positionals[0]} `))) return { kind: 'help', group: positionals[0] };
    throw error;
  }
  const { command, rest } = found;
  if (has('help')) return { kind: 'help', command };

  const specs = new Map([...command.options, ...GLOBAL_OPTIONS].map((o) => [o.name, o]));
  const seen = new Set<string>();
  for (const token of given) {
    const spec = specs.get(token.name);
    if (!spec) throw new UsageError(`unknown option ${token.rawName}`, command);
    const flag = `--${spec.name}`;
    if (spec.refused) throw new UsageError(`${flag} is refused: ${spec.refused}`, command);
    if (spec.kind === 'flag') {
      if (token.value !== undefined) throw new UsageError(`${flag} takes no value`, command);
    } else if (token.value === undefined || (!token.inlineValue && token.value.startsWith('--'))) {
      throw new UsageError(`${flag} needs a value`, command);
    }
    if (spec.kind !== 'list' && seen.has(spec.name)) throw new UsageError(`${flag} is given twice`, command);
    seen.add(spec.name);
  }

  const expected = command.args ?? [];
  if (rest.length > expected.length) throw new UsageError(`unexpected argument ${JSON.stringify(rest[expected.length])}`, command);
  if (rest.length < expected.length) throw new UsageError(`${expected[rest.length].name} is required`, command);

  const options: Record<string, OptionValue> = {};
  for (const spec of command.options) {
    const values = given.filter((t) => t.name === spec.name).map((t) => t.value as string);
    if (values.length === 0) {
      if (spec.required) throw new UsageError(`--${spec.name} is required`, command);
      continue;
    }
    const [value] = values;
    if (spec.choices && !spec.choices.includes(value)) {
      throw new UsageError(`--${spec.name} must be one of ${spec.choices.join(', ')} (got ${JSON.stringify(value)})`, command);
    }
    if (spec.kind === 'flag') options[spec.name] = true;
    else if (spec.kind === 'list') options[spec.name] = values;
    else if (spec.kind === 'int') options[spec.name] = wholeNumber(command, spec, value);
    else options[spec.name] = value;
  }
  return { kind: 'run', command, options, args: rest, json: has('json') };
}

// ---------------------------------------------------------------------------------------
// Help and usage, from the same table
// ---------------------------------------------------------------------------------------

const shown = (options: readonly OptionSpec[]) => options.filter((o) => !o.refused);

const optionSynopsis = (o: OptionSpec) => {
  const text = o.kind === 'flag' ? `--${o.name}` : `--${o.name} ${o.metavar ?? 'VALUE'}`;
  const repeated = o.kind === 'list' ? ' ...' : '';
  return o.required ? text + repeated : `[${text}]${repeated}`;
};

/** `hydracore node add --hostname HOST ... [--tenant SLUG]`, wrapped under its first word. */
export function synopsis(command: CommandSpec, width = 100): string {
  const words = [`hydracore ${command.name}`, ...(command.args ?? []).map((a) => a.name), ...shown(command.options).map(optionSynopsis)];
  const lines: string[] = [];
  let line = 'Usage:';
  const indent = ' '.repeat(`Usage: hydracore ${command.name} `.length);
  for (const word of words) {
    if (line.length + 1 + word.length > width && line.trim() !== 'Usage:') {
      lines.push(line);
      line = indent.slice(0, -1);
    }
    line += ` ${word}`;
  }
  lines.push(line);
  return lines.join('\n');
}

function columns(rows: Array<[string, string]>, width = Math.max(...rows.map(([left]) => left.length)), indent = '  '): string {
  return rows.map(([left, right]) => `${indent}${left.padEnd(width)}  ${right}`.trimEnd()).join('\n');
}

/** `hydracore <command> --help`. */
export function commandHelp(command: CommandSpec): string {
  const options = [...shown(command.options), ...GLOBAL_OPTIONS];
  const parts = [synopsis(command), '', `${command.summary[0].toUpperCase()}${command.summary.slice(1)}.`];
  if (command.details) parts.push('', ...command.details);
  if (command.args?.length) parts.push('', 'Arguments:', columns(command.args.map((a) => [a.name, a.help])));
  parts.push('', 'Options:', columns(options.map((o) => [o.kind === 'flag' ? `--${o.name}` : `--${o.name} ${o.metavar ?? 'VALUE'}`, o.help + (o.choices ? ` (${o.choices.join(', ')})` : '')])));
  if (command.examples.length) parts.push('', 'Examples:', ...command.examples.map((e) => `  ${e}`));
  return parts.join('\n');
}

/** The commands with their summaries, by section (the whole help, and after an unknown command). */
export function commandList(commands: readonly CommandSpec[]): string {
  const sections: string[] = [];
  const width = Math.max(...commands.map((c) => c.name.length));
  let current: string | undefined;
  let rows: Array<[string, string]> = [];
  const flush = () => {
    if (rows.length) sections.push(`${current}:\n${columns(rows, width)}`);
    rows = [];
  };
  for (const command of commands) {
    if (command.section !== current) {
      flush();
      current = command.section;
    }
    rows.push([command.name, command.summary]);
  }
  flush();
  return sections.join('\n\n');
}

/** `hydracore --help`. */
export function fullHelp(commands: readonly CommandSpec[], version: string): string {
  return [
    `hydracore ${version}: the HydraCore identity gateway's operator command`,
    '',
    'Usage: hydracore <command> [options] [--json]',
    '       hydracore <command> --help      (that command\'s options and examples)',
    '       hydracore --version',
    '',
    commandList(commands),
    '',
    'It works on the database the environment names, like the server (DATABASE_URL, DATABASE_SCHEMA;',
    'a .env file in the working directory fills what the environment leaves unset). Every command but',
    'migrate needs a migrated database, and runs the same GraphQL operations as /graphql, as the platform.',
    'Exit codes: 0 done; 1 refused or failed (the reason on stderr); 2 usage error or invalid input.',
  ].join('\n');
}
