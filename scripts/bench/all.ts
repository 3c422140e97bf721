/**
 * npm run bench: every benchmark in turn (accuracy, API, worker), each printing its figures beside
 * its in-run reference. `-- --json` is passed to each of them. The 1M-account
 * memory benchmark needs generated data and runs separately: npm run bench:memory.
 */
import { spawnSync } from 'node:child_process';
import { parseCommand } from '../../src/cli/args.js';

// --json is the one option every benchmark shares; anything else belongs to one of them.
const { values } = parseCommand({
  name: 'bench',
  summary: 'Runs bench:accuracy, bench:api and bench:worker in turn, each printing its figures beside its in-run reference.',
  options: { json: { type: 'boolean', default: false, description: 'each benchmark prints JSON (see its own --help)' } },
  notes: 'One benchmark with its own options: npm run bench:accuracy -- --help (also bench:api, bench:worker, bench:memory).',
});
const extra = values.json ? ['--json'] : [];
let failed = 0;
for (const name of ['bench:accuracy', 'bench:api', 'bench:worker']) {
  process.stderr.write(`\n### npm run ${name} ${extra.join(' ')}\n`);
  const r = spawnSync('npm', ['run', '--silent', name, '--', ...extra], { stdio: 'inherit' });
  if (r.status !== 0) {
    failed++;
    process.stderr.write(`${name} failed (exit ${r.status})\n`);
  }
}
process.exit(failed ? 1 : 0);
