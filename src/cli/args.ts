/**
 * The one argument layer of every `npm run <command>`, over `node:util` parseArgs. A command
 * declares its options once, with descriptions; from that it gets `--help`, a usage text that
 * names the `npm run <name> -- ...` form, and one behaviour for mistakes:
 *
 * - `--help` (or `-h`) prints the usage to stdout and exits 0;
 * - an unknown flag, a missing or bad value prints ONE line, `<command>: <problem>; see --help`,
 *   and exits 2 ({@link UsageError});
 * - a user error (a missing file, a bad date, Redis unreachable) prints one line and exits 1
 *   ({@link UserError}, or an error class the command lists in `userErrors`);
 * - anything else is a bug and keeps its stack.
 *
 * Why process handlers instead of a try/catch around each command: most commands are top-level
 * module code, and an error thrown there (top-level await included) reaches `uncaughtException`.
 * One handler covers every command without wrapping its body.
 */
import { parseArgs } from 'node:util';

/** One flag: `--<key>`. */
export interface OptionSpec {
  type: 'string' | 'boolean';
  /** One line for the usage text. */
  description: string;
  /** The value's placeholder in the usage text, e.g. `<file>` (string options; default `<value>`). */
  value?: string;
  short?: string;
  /** May be given more than once; the value is then an array. */
  multiple?: boolean;
  default?: string | boolean | string[];
  /** Missing is a usage error (exit 2). */
  required?: boolean;
}

export interface PositionalSpec {
  /** As the usage text shows it, e.g. `<bundle dir>`. */
  name: string;
  description: string;
  required?: boolean;
}

export interface CommandSpec<O extends Record<string, OptionSpec> = Record<string, OptionSpec>> {
  /** The npm script name (`train`, `export:outcomes`); usage reads `npm run <name> -- ...`. */
  name: string;
  /** What the command does, one or two sentences. */
  summary: string;
  options: O;
  positionals?: readonly PositionalSpec[];
  /** Free text after the options: examples and notes. */
  notes?: string;
  /** Names of error classes (`error.name`) that are the user's to fix: one line, exit 1, no stack. */
  userErrors?: readonly string[];
}

type OptionValue<S extends OptionSpec> = S['type'] extends 'boolean'
  ? S['multiple'] extends true
    ? boolean[]
    : boolean
  : S['multiple'] extends true
    ? string[]
    : string;

/** Parsed flags: options with a default, or required ones, are always present. */
export type OptionValues<O extends Record<string, OptionSpec>> = {
  [K in keyof O]: O[K] extends { default: unknown } | { required: true } ? OptionValue<O[K]> : OptionValue<O[K]> | undefined;
};

export interface ParsedArgs<O extends Record<string, OptionSpec>> {
  values: OptionValues<O>;
  positionals: string[];
}

/** A mistake in the command line: the handler prints `<command>: <message>; see --help`, exit 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** A problem the user can fix (file, date, service): the handler prints `<command>: <message>`, exit 1. */
export class UserError extends Error {
  override name = 'UserError';
}

const flag = (key: string, o: OptionSpec) =>
  `${o.short ? `-${o.short}, ` : ''}--${key}${o.type === 'string' ? ` ${o.value ?? '<value>'}` : ''}`;

/** Declares a command's spec where it is needed twice (parse, then report errors); keeps literal types. */
export const defineCommand = <const O extends Record<string, OptionSpec>>(spec: CommandSpec<O>): CommandSpec<O> => spec;

/** The usage text of `--help`. */
export function usage(spec: CommandSpec): string {
  const opts = Object.entries(spec.options);
  const required = opts.filter(([, o]) => o.required).map(([k, o]) => flag(k, o).replace(/^-\w, /, ''));
  const optional = opts.some(([, o]) => !o.required);
  const pos = (spec.positionals ?? []).map((p) => (p.required ? p.name : `[${p.name}]`));
  const args = [...required, ...(optional ? ['[options]'] : []), ...pos];
  const lines = [`usage: npm run ${spec.name}${args.length ? ` -- ${args.join(' ')}` : ''}`, '', spec.summary];
  const rows: [string, string][] = [
    ...(spec.positionals ?? []).map((p): [string, string] => [p.name, p.description]),
    ...opts.map(([k, o]): [string, string] => {
      const def =
        o.default === undefined || o.default === false
          ? ''
          : ` (default: ${Array.isArray(o.default) ? o.default.join(', ') : String(o.default)})`;
      return [flag(k, o), `${o.description}${o.required ? ' (required)' : def}`];
    }),
    ['-h, --help', 'print this help'],
  ];
  const width = Math.max(...rows.map(([l]) => l.length)) + 2;
  lines.push('', ...rows.map(([l, d]) => `  ${l.padEnd(width)}${d}`));
  if (spec.notes) lines.push('', spec.notes.trim());
  return lines.join('\n');
}

/** parseArgs's errors as one short line (its own are several sentences over several lines). */
function describeParseError(e: NodeJS.ErrnoException): string {
  const first = e.message.split('\n')[0];
  const name = /'(-[^' ]+)/.exec(first)?.[1] ?? '';
  if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return `unknown option ${name}`;
  if (e.code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') return `unexpected argument ${/'([^']*)'/.exec(first)?.[1] ?? ''}`.trim();
  if (/argument missing/.test(first)) return `${name} needs a value`;
  if (/ambiguous/.test(first)) return `${name} needs a value (write ${name}=<value> for one that starts with -)`;
  if (/does not take an argument/.test(first)) return `${name} takes no value`;
  return first;
}

/**
 * Parses `argv` against the spec without side effects: `'help'` when help was asked for,
 * otherwise the values. Throws {@link UsageError} for any mistake.
 */
export function parseArgv<const O extends Record<string, OptionSpec>>(
  spec: CommandSpec<O>,
  argv: readonly string[],
): ParsedArgs<O> | 'help' {
  const end = argv.indexOf('--');
  if ((end < 0 ? argv : argv.slice(0, end)).some((a) => a === '--help' || a === '-h')) return 'help';
  const options = Object.fromEntries(
    Object.entries(spec.options).map(([k, o]) => [
      k,
      {
        type: o.type,
        ...(o.short ? { short: o.short } : {}),
        ...(o.multiple ? { multiple: true } : {}),
        ...(o.default !== undefined ? { default: o.default } : {}),
      },
    ]),
  );
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: [...argv], options: options as never, strict: true, allowPositionals: (spec.positionals?.length ?? 0) > 0 });
  } catch (e) {
    throw new UsageError(describeParseError(e as NodeJS.ErrnoException));
  }
  const values = parsed.values as Record<string, unknown>;
  for (const [k, o] of Object.entries(spec.options)) if (o.required && values[k] === undefined) throw new UsageError(`--${k} is required`);
  const pos = spec.positionals ?? [];
  const missing = pos.find((p, i) => p.required && parsed.positionals[i] === undefined);
  if (missing) throw new UsageError(`${missing.name} is required`);
  if (parsed.positionals.length > pos.length) throw new UsageError(`unexpected argument ${parsed.positionals[pos.length]}`);
  return { values: values as OptionValues<O>, positionals: parsed.positionals };
}

const FILE_CODES = new Set(['ENOENT', 'EACCES', 'EPERM', 'ENOTDIR', 'EISDIR', 'ENOSPC', 'EROFS', 'EEXIST']);

/** Prints an error the way the module header describes and exits; never returns. */
export function exitWithError(spec: Pick<CommandSpec, 'name' | 'userErrors'>, e: unknown): never {
  const err = e as NodeJS.ErrnoException;
  // The reader went away (`| head`): nothing is wrong and nobody is left to tell.
  if (err?.code === 'EPIPE') process.exit(0);
  if (err instanceof UsageError) {
    process.stderr.write(`${spec.name}: ${err.message}; see --help\n`);
    process.exit(2);
  }
  // A file the user named that cannot be read or written is theirs to fix; Node's message names it.
  const fileProblem = typeof err?.path === 'string' && FILE_CODES.has(err.code ?? '');
  const known = err instanceof UserError || fileProblem || err?.name === 'ConfigError' || (spec.userErrors ?? []).includes(err?.name);
  process.stderr.write(known ? `${spec.name}: ${err.message}\n` : `${spec.name}: unexpected error\n${err?.stack ?? String(e)}\n`);
  process.exit(1);
}

/**
 * The entry of a command: handles `--help` (usage, exit 0) and usage errors (one line, exit 2),
 * and from here on reports any error thrown in the process as {@link exitWithError} does.
 */
export function parseCommand<const O extends Record<string, OptionSpec>>(
  spec: CommandSpec<O>,
  argv: readonly string[] = process.argv.slice(2),
): ParsedArgs<O> {
  process.on('uncaughtException', (e) => exitWithError(spec, e));
  const parsed = parseArgv(spec, argv);
  if (parsed === 'help') {
    process.stdout.write(`${usage(spec)}\n`);
    process.exit(0);
  }
  return parsed;
}

/** `--<flag>`'s value as an integer in [min, max]; a UsageError names the flag otherwise. */
export function intValue(name: string, raw: string, { min = -Infinity, max = Infinity }: { min?: number; max?: number } = {}): number {
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isInteger(n) || n < min || n > max) {
    const range =
      min > -Infinity && max < Infinity ? ` from ${min} to ${max}` : min > -Infinity ? ` >= ${min}` : max < Infinity ? ` <= ${max}` : '';
    throw new UsageError(`--${name}: "${raw}" is not an integer${range}`);
  }
  return n;
}

/** `--<flag>`'s value, which must be one of `choices`. */
export function choiceValue<const T extends string>(name: string, raw: string, choices: readonly T[]): T {
  if (!(choices as readonly string[]).includes(raw)) throw new UsageError(`--${name}: "${raw}" is not one of ${choices.join(', ')}`);
  return raw as T;
}

/** `--<flag>`'s value as a calendar date `YYYY-MM-DD` (a real day: 2026-02-30 is refused). */
export function dateValue(name: string, raw: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(raw);
  const d = m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : null;
  if (!d || d.toISOString().slice(0, 10) !== raw) throw new UsageError(`--${name}: "${raw}" is not a date (YYYY-MM-DD)`);
  return raw;
}

/** A comma-separated value as its trimmed, non-empty items. */
export const listValue = (raw: string): string[] =>
  raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
