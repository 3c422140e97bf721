import { describe, expect, it } from 'vitest';
import { choiceValue, dateValue, defineCommand, intValue, listValue, parseArgv, usage, UsageError } from '../../src/cli/args.js';

const cmd = defineCommand({
  name: 'export:things',
  summary: 'Exports things.',
  options: {
    out: { type: 'string', value: '<file>', required: true, description: 'where to write' },
    since: { type: 'string', value: '<date>', description: 'from this day on' },
    limit: { type: 'string', value: '<n>', default: '10', description: 'at most this many' },
    tag: { type: 'string', value: '<tag>', multiple: true, description: 'repeatable' },
    'dry-run': { type: 'boolean', default: false, description: 'write nothing' },
  },
  positionals: [{ name: '<source>', description: 'where to read' }],
});

/** The UsageError message parseArgv throws for `argv`. */
const problem = (argv: string[]) => {
  try {
    parseArgv(cmd, argv);
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return (e as Error).message;
  }
  throw new Error(`no usage error for ${argv.join(' ')}`);
};

describe('parseArgv', () => {
  it('returns typed values with defaults, repeated options and positionals', () => {
    const p = parseArgv(cmd, ['--out', 'a.csv', '--tag', 'x', '--tag=y', 'src.csv']);
    expect(p).toEqual({ values: { out: 'a.csv', limit: '10', tag: ['x', 'y'], 'dry-run': false }, positionals: ['src.csv'] });
  });

  it('asks for help whenever --help or -h comes before --, whatever else is wrong', () => {
    expect(parseArgv(cmd, ['--help'])).toBe('help');
    expect(parseArgv(cmd, ['--bogus', '-h'])).toBe('help');
    expect(problem(['--out', 'a', '--', '--help', 'b'])).toBe('unexpected argument b');
  });

  it.each([
    [['--out', 'a', '--bogus'], 'unknown option --bogus'],
    [['--out', 'a', '-x'], 'unknown option -x'],
    [['--out'], '--out needs a value'],
    [['--out', '--dry-run'], '--out needs a value (write --out=<value> for one that starts with -)'],
    [['--out', 'a', '--dry-run=yes'], '--dry-run takes no value'],
    [[], '--out is required'],
    [['--out', 'a', 'one', 'two'], 'unexpected argument two'],
  ])('%j is one line: %s', (argv, message) => {
    const m = problem(argv);
    expect(m).toBe(message);
    expect(m).not.toContain('\n');
  });

  it('refuses a positional from a command that takes none', () => {
    const none = defineCommand({ name: 'x', summary: 's', options: {} });
    expect(() => parseArgv(none, ['stray'])).toThrow('unexpected argument stray');
  });
});

describe('usage', () => {
  it('names the npm run form, the required flags, each option with its default, and --help', () => {
    const text = usage(cmd);
    expect(text.split('\n')[0]).toBe('usage: npm run export:things -- --out <file> [options] [<source>]');
    expect(text).toMatch(/--out <file> +where to write \(required\)/);
    expect(text).toMatch(/--limit <n> +at most this many \(default: 10\)/);
    expect(text).toMatch(/--dry-run +write nothing\n/);
    expect(text).toMatch(/-h, --help +print this help/);
  });

  it('shows no argument part for a command without options', () => {
    expect(usage({ name: 'build:wasm', summary: 'Compiles.', options: {} }).split('\n')[0]).toBe('usage: npm run build:wasm');
  });
});

describe('value helpers', () => {
  it('accept good values', () => {
    expect(intValue('n', '12', { min: 1 })).toBe(12);
    expect(choiceValue('format', 'csv', ['csv', 'parquet'])).toBe('csv');
    expect(dateValue('since', '2024-02-29')).toBe('2024-02-29');
    expect(listValue(' a, b,,c ')).toEqual(['a', 'b', 'c']);
  });

  it.each([
    [() => intValue('n', '1.5'), '--n: "1.5" is not an integer'],
    [() => intValue('n', '', { min: 1 }), '--n: "" is not an integer >= 1'],
    [() => intValue('splits', '101', { min: 1, max: 100 }), '--splits: "101" is not an integer from 1 to 100'],
    [() => choiceValue('format', 'xml', ['csv', 'parquet']), '--format: "xml" is not one of csv, parquet'],
    [() => dateValue('since', 'yesterday'), '--since: "yesterday" is not a date (YYYY-MM-DD)'],
    [() => dateValue('since', '2026-02-30'), '--since: "2026-02-30" is not a date (YYYY-MM-DD)'],
  ])('name the flag and the value: %#', (f, message) => {
    expect(f).toThrow(UsageError);
    expect(f).toThrow(message);
  });
});
