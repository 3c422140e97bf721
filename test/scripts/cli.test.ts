import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');

/** Runs a command's file as `npm run` does (tsx), and resolves with its exit code and output. */
function cli(file: string, argv: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', join(root, file), ...argv],
      { cwd: root, env: { ...process.env, ...env } },
      (e, stdout, stderr) => done({ code: e ? Number((e as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const STACK = /^ {4}at /m;

describe.each([
  ['keys', 'scripts/hash-key.ts'],
  ['enqueue', 'scripts/enqueue.ts'],
  ['export:outcomes', 'scripts/export-outcomes.ts'],
  ['demo', 'scripts/demo.ts'],
  ['calibration', 'scripts/calibration-check.ts'],
  ['data:generate', 'scripts/generate-data.ts'],
  ['train', 'training/cli.ts'],
])('npm run %s', (name, file) => {
  it('prints its usage for --help, naming the npm run form, and exits 0', async () => {
    const r = await cli(file, ['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toMatch(new RegExp(`^usage: npm run ${name}( |$)`));
    expect(r.stdout).toContain('-h, --help');
    expect(r.stderr).toBe('');
  });

  it('answers a mistyped flag with one line and exit 2, without a stack trace', async () => {
    const r = await cli(file, ['--bogus']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`${name}: unknown option --bogus; see --help\n`);
    expect(r.stdout).not.toMatch(STACK);
  });
});

describe('user errors are one line, never a stack trace', () => {
  it('export:outcomes --since yesterday names the date, before touching Redis', async () => {
    const r = await cli('scripts/export-outcomes.ts', ['--out', '/tmp/never-written.csv', '--since', 'yesterday'], {
      REDIS_URL: 'redis://127.0.0.1:1',
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'export:outcomes: --since: "yesterday" is neither a date (YYYY-MM-DD) nor an outcome stream id (<epoch ms>-<n>); see --help\n',
    );
  });

  it('export:outcomes with Redis unreachable says so and exits 1', async () => {
    const r = await cli('scripts/export-outcomes.ts', ['--out', '/tmp/never-written.csv'], { REDIS_URL: 'redis://127.0.0.1:1' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^export:outcomes: cannot reach Redis at redis:\/\/127\.0\.0\.1:1: .*ECONNREFUSED.*\n$/);
  });

  it('enqueue names a missing file and a bad --as-of', async () => {
    const missing = await cli('scripts/enqueue.ts', ['--file', '/no/such/snapshots.csv']);
    expect(missing).toMatchObject({ code: 1, stderr: 'enqueue: /no/such/snapshots.csv: not found\n' });
    const date = await cli('scripts/enqueue.ts', ['--file', 'test/fixtures/snapshots.csv', '--as-of', '2026-13-01']);
    expect(date).toMatchObject({ code: 2, stderr: 'enqueue: --as-of: "2026-13-01" is not a date (YYYY-MM-DD); see --help\n' });
  });

  it('train names a missing dataset config and exits 1', async () => {
    const r = await cli('training/cli.ts', ['--config', '/no/such/config.json']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^train: .*\/no\/such\/config\.json.*\n$/);
    expect(r.stderr).not.toMatch(STACK);
  });

  it('keys refuses an unknown role in one line', async () => {
    const r = await cli('scripts/hash-key.ts', ['--roles', 'scorer,owner']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^keys: --roles: .*see --help$/m);
    expect(r.stdout).toBe('');
  });
});
